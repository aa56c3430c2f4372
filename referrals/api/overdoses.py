"""POST /api/v1/overdoses: a dispatch or EMS system records an overdose (issue 14; the QRT workflow, issue 13).

The body is ODMAP's four facts (time, place, fatal or not, naloxone and its doses) with the incident
number, and optionally the survivor. The same form as the responder's page validates it, and the same
service records it: a non-fatal overdose with an identified survivor opens an outreach case on the
program's clock, a fatal one a family follow-up. The incident number makes a retry safe: the same
incident again returns the first record (200), never a second one.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.datastructures import MultiValueDict
from ninja import Field, Router, Schema, Status

from deflection.audit import AuditContext
from deflection.errors import ServiceError
from deflection.models import AuditOutcome, Membership, Program
from deflection.params import SANE_YEARS
from deflection.roles import OVERDOSE_RECORDING_ROLES
from referrals.api.endpoints import ERRORS, ApiProblem, ClientToken
from referrals.api.models import ApiClient, Scope
from referrals.api.schemas import BADGE_PATTERN, INCIDENT_PATTERN, ErrorOut
from referrals.api.services import api_call_audit
from referrals.overdose import access as overdose_access
from referrals.overdose.forms import LOCAL_INPUT, MAX_DOSES, OverdoseForm
from referrals.overdose.models import Overdose, OverdoseSource
from referrals.overdose.services import overdose_record

router = Router(tags=["overdoses"])


class SurvivorIn(Schema):
    """The person, when dispatch or EMS knows them: stored encrypted, never returned."""

    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    date_of_birth: datetime.date | None = None
    phone: str = Field(default="", max_length=40)


class OverdoseIn(Schema):
    badge_number: str = Field(pattern=BADGE_PATTERN, description="The responder who attended, within the client's agency.")
    incident_number: str = Field(
        pattern=INCIDENT_PATTERN, description="The CAD or EMS incident: the same incident sent again is the same overdose."
    )
    occurred_at: datetime.datetime = Field(description="When it happened, with a UTC offset (ISO 8601).")
    place: str = Field(min_length=1, max_length=300, description="An address or a landmark.")
    fatal: bool
    naloxone_doses: int = Field(ge=0, le=MAX_DOSES, description="Doses of naloxone given; 0 if none.")
    survivor: SurvivorIn | None = None


class OverdoseOut(Schema):
    id: int
    reference: str
    received_at: datetime.datetime
    outreach_case_opened: bool = Field(description="A non-fatal overdose with an identified survivor opens an outreach case.")
    family_follow_up: bool = Field(description="A fatal overdose schedules a family follow-up at 4 to 6 weeks.")


def _responder(client: ApiClient, badge_number: str):
    membership = (
        Membership.objects.filter(
            agency_id=client.agency_id, badge_number=badge_number, is_active=True, role__in=OVERDOSE_RECORDING_ROLES
        )
        .select_related("user")
        .first()
    )
    if membership is None or not membership.user.is_active:
        raise ApiProblem(400, [("badge_number", "No active responder has this badge number in your agency.")])
    return membership.user


def _program(client: ApiClient) -> Program:
    """The post-overdose program the client's agency belongs to (the lowest id, as for referrals)."""
    agency = client.agency_id
    program = (
        overdose_access.running(Program.objects.filter(Q(lead_agency_id=agency) | Q(partners=agency))).order_by("pk").first()
    )
    if program is None:
        raise ApiProblem(403, [("Authorization", "This client's agency is not in a program that runs post-overdose outreach.")])
    return program


def _form_data(program: Program, payload: OverdoseIn) -> MultiValueDict:
    """The body in the responder form's field names (the form reads the program's wall clock)."""
    if payload.occurred_at.tzinfo is None:
        raise ApiProblem(400, [("occurred_at", "Give the time with its UTC offset, e.g. 2026-11-28T03:14:00-06:00.")])
    if payload.occurred_at.year not in SANE_YEARS:  # before any conversion: 9999-12-31T23:30-06:00 is year 10000 in UTC
        raise ApiProblem(400, [("occurred_at", f"Enter a date between {SANE_YEARS.start} and {SANE_YEARS.stop - 1}.")])
    survivor = payload.survivor or SurvivorIn()
    return MultiValueDict(
        {
            "program": [str(program.pk)],
            "occurred_at": [program.localtime(payload.occurred_at).strftime(LOCAL_INPUT)],
            "place": [payload.place],
            "fatal": ["yes" if payload.fatal else "no"],
            "naloxone_given": ["yes" if payload.naloxone_doses else "no"],
            "naloxone_doses": [str(payload.naloxone_doses)],
            "first_name": [survivor.first_name],
            "last_name": [survivor.last_name],
            "date_of_birth": [survivor.date_of_birth.isoformat() if survivor.date_of_birth else ""],
            "phone": [survivor.phone],
            "address": [""],
            "opened": [""],
        }
    )


def _answer(overdose: Overdose, created: bool):
    body = OverdoseOut(
        id=overdose.pk,
        reference=overdose.reference,
        received_at=overdose.created_at,
        outreach_case_opened=hasattr(overdose, "outreach_case"),
        family_follow_up=hasattr(overdose, "family_follow_up"),
    )
    return Status(201 if created else 200, body)


@router.post(
    "",
    auth=ClientToken(Scope.OVERDOSES_CREATE, "overdose.create"),
    response={201: OverdoseOut, 200: OverdoseOut, **ERRORS},
    summary="Record an overdose from a CAD or EMS incident",
    description=(
        "ODMAP's four facts and the incident number; the survivor if known. A repeated incident number returns "
        "the first record with 200. The response names no one."
    ),
)
def overdose_create(request, payload: OverdoseIn):
    client: ApiClient = request.auth
    responder = _responder(client, payload.badge_number)
    program = _program(client)
    audit = AuditContext.from_request(request)
    existing = Overdose.objects.filter(program=program, external_ref=payload.incident_number).first()
    if existing is None:
        form = OverdoseForm(_form_data(program, payload), programs=Program.objects.filter(pk=program.pk))
        if not form.is_valid():
            raise ApiProblem(400, [(_api_field(name), message) for name, messages in form.errors.items() for message in messages])
        data = dataclasses.replace(form.to_data(), external_ref=payload.incident_number)
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the connection usable
                overdose = overdose_record(
                    program=program, data=data, recorded_by=responder, source=OverdoseSource.IMPORT, audit=audit
                )
            created = True
        except IntegrityError:
            # The same incident sent twice at once: the other request saved it first.
            overdose, created = Overdose.objects.get(program=program, external_ref=payload.incident_number), False
        except ServiceError as refused:
            raise ApiProblem(400, [("body", refused.message)]) from refused
    else:
        overdose, created = existing, False
    api_call_audit(
        audit=audit,
        client=client,
        operation="overdose.create",
        outcome=AuditOutcome.SUCCESS,
        obj=overdose,
        detail={"created": created},
    )
    return _answer(overdose, created)


def _api_field(form_field: str) -> str:
    if form_field in ("first_name", "last_name", "date_of_birth", "phone"):
        return f"survivor.{form_field}"
    return {"naloxone_given": "naloxone_doses", "__all__": "body"}.get(form_field, form_field)


__all__ = ["ErrorOut", "router"]

"""Co-responder workflows: log an encounter, and make its referral through the referral services."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Program, ProgramType, User
from referrals.coresponder.models import Encounter
from referrals.models import EligibilityCriterion, Referral
from referrals.services import ReferralData, officer_membership, referral_submit


@dataclass(frozen=True)
class EncounterData:
    """What the officer's encounter form collected, already validated."""

    call_type: str
    occurred_at: datetime.datetime
    idempotency_key: uuid.UUID
    resolved_on_scene: bool = False
    transported: bool = False
    arrest_avoided: bool = False
    er_visit_avoided: bool = False
    clinician: User | None = None


def _require_coresponder(program: Program) -> None:
    if not program.runs(ProgramType.CO_RESPONDER):
        raise ServiceError("This program does not run co-responders.", status=404, code="not_running")


def encounter_log(*, officer: User, program: Program, data: EncounterData, audit: AuditContext) -> tuple[Encounter, bool]:
    """Record one call for service, once per idempotency key. Returns (encounter, created)."""
    _require_coresponder(program)
    try:
        membership = officer_membership(officer, program)
    except PermissionError as exc:
        raise ServiceError("Only officers of the program's agencies log encounters.", status=403, code="not_officer") from exc
    try:
        with transaction.atomic():
            encounter = Encounter.objects.create(
                program=program,
                logged_by=officer,
                agency_id=membership.agency_id,
                unit_id=membership.unit_id,
                clinician=data.clinician,
                call_type=data.call_type,
                occurred_at=data.occurred_at,
                resolved_on_scene=data.resolved_on_scene,
                transported=data.transported,
                arrest_avoided=data.arrest_avoided,
                er_visit_avoided=data.er_visit_avoided,
                idempotency_key=data.idempotency_key,
            )
            audit_log(action="coresponder.encounter.create", context=audit, obj=encounter)
    except IntegrityError:
        # The same form sent twice (a double tap, a retry): the first one stands.
        existing = Encounter.objects.filter(logged_by=officer, idempotency_key=data.idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return encounter, True


def encounter_refer(
    *,
    encounter: Encounter,
    officer: User,
    data: ReferralData,
    criteria: list[EligibilityCriterion],
    audit: AuditContext,
) -> Referral:
    """Make the encounter's referral with the referral services (same participant, eligibility and
    consent rules as the officer's form) and link it. A retry of the same submit returns the same referral.
    """
    _require_coresponder(encounter.program)
    with transaction.atomic():
        # Lock the encounter so that two submits cannot both link a referral to it.
        locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
        if locked.referral_id is not None:
            linked = Referral.objects.get(pk=locked.referral_id)
            if linked.idempotency_key == data.idempotency_key:
                return linked
            raise ServiceError("This encounter already has its referral.", status=409, code="already_referred")
        referral, _created = referral_submit(officer=officer, program=encounter.program, data=data, criteria=criteria)
        locked.referral = referral
        locked.save(update_fields=["referral"])
        audit_log(action="coresponder.encounter.refer", context=audit, obj=locked, detail={"referral": referral.pk})
    encounter.referral = referral
    return referral

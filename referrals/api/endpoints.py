"""/api/v1/: the operations, thin over the referral services, and one error shape for every 4xx.

Each operation authenticates the client (bearer token), checks its scope, counts it against the
client's rate limit and writes one audit row, as a page view does.
"""

from __future__ import annotations

import datetime
import logging

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import Header, NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from deflection.audit import AuditContext
from deflection.errors import ServiceError
from deflection.models import AuditOutcome, Membership, Program
from referrals import access, services
from referrals.api import ratelimit
from referrals.api.models import ApiClient, Scope
from referrals.api.schemas import (
    BADGE_PATTERN,
    MAX_ID,
    DirectoryOut,
    EligibilityOut,
    ErrorOut,
    ReferralIn,
    ReferralOut,
    ReferralStatusOut,
)
from referrals.api.services import api_call_audit, api_client_authenticate, referral_status_for_officer
from referrals.disclosure import REDISCLOSURE_NOTICE
from referrals.forms import ReferralForm
from referrals.models import ProviderService, Referral
from referrals.setup import ReferralSetup, setup_for, setups

log = logging.getLogger(__name__)
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class ApiProblem(Exception):
    """A 4xx with the fields at fault; turned into an ErrorOut body by the handler below."""

    def __init__(self, status: int, errors: list[tuple[str, str]], headers: dict[str, str] | None = None):
        self.status = status
        self.errors = errors
        self.headers = headers or {}
        super().__init__(status)


class ClientToken(HttpBearer):
    """Bearer-token auth for one operation: a usable token, the operation's scope, then the rate limit.

    The scope is checked here, before the body is validated, so a client without it learns nothing more.
    """

    def __init__(self, scope: str, operation: str):
        super().__init__()
        self.scope = scope
        self.operation = operation

    def authenticate(self, request, token: str) -> ApiClient | None:
        request.api_operation = self.operation
        client = api_client_authenticate(token=token)
        if client is None:
            return None
        request.auth = client  # for the audit row of a refusal below
        if not client.has_scope(self.scope):
            raise ApiProblem(403, [("Authorization", f"This client's token lacks the {self.scope} scope.")])
        if not ratelimit.call_allowed(client):
            raise ApiProblem(
                429,
                [("Authorization", "Too many calls for this client; try again in the next minute.")],
                {"Retry-After": str(ratelimit.seconds_to_next_window())},
            )
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY:
            # To the minute is enough for the clients page; a write on every call is not worth it.
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client


api = NinjaAPI(
    title="Deflection API",
    version="1",
    description=(
        "For agencies' dispatch (CAD) and records systems. Authenticate with `Authorization: Bearer <token>`; "
        "a coordinator or administrator issues tokens with scopes at /api/clients/."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive docs page loads its scripts from a CDN: the project serves its own files only
)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


def _problem_response(request, status: int, errors: list[tuple[str, str]], headers: dict | None = None):
    client = getattr(request, "auth", None)
    operation = getattr(request, "api_operation", None)
    if isinstance(client, ApiClient):
        api_call_audit(
            audit=AuditContext.from_request(request),
            client=client,
            operation=operation or "call",
            outcome=AuditOutcome.DENIED if status in (403, 404) else AuditOutcome.FAILURE,
            detail={"status": status, "fields": [field for field, _reason in errors]},
        )
    response = api.create_response(request, {"errors": [{"field": f, "reason": r} for f, r in errors]}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiProblem)
def _on_problem(request, exc: ApiProblem):
    return _problem_response(request, exc.status, exc.errors, exc.headers)


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request, exc):
    response = _problem_response(request, 401, [("Authorization", "A valid, unexpired, unrevoked bearer token is required.")])
    response["WWW-Authenticate"] = "Bearer"
    return response


def _input_name(loc) -> str:
    # pydantic's location: ("body", "payload", "first_name") or ("query", "badge_number"); the outer parts are noise.
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "header")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _on_invalid(request, exc: ValidationError):
    # The reason is pydantic's message; its "input" (what was sent) is deliberately left out.
    return _problem_response(request, 400, [(_input_name(e.get("loc", ())), e.get("msg", "Invalid.")) for e in exc.errors])


@api.exception_handler(HttpError)
def _on_http_error(request, exc: HttpError):
    # Ninja's own errors (an unreadable JSON body, a wrong content type).
    status = exc.status_code if 400 <= exc.status_code < 500 else 400
    return _problem_response(request, status, [("body", "The request body could not be read as JSON.")])


@api.exception_handler(Http404)
def _on_not_found(request, exc):
    return _problem_response(request, 404, [("path", "Not found.")])


def _officer_for_badge(client: ApiClient, badge_number: str):
    membership = (
        Membership.objects.filter(
            agency_id=client.agency_id, badge_number=badge_number, is_active=True, role__in=access.REFERRING_ROLES
        )
        .select_related("user")
        .first()
    )
    if membership is None or not membership.user.is_active:
        raise ApiProblem(400, [("badge_number", "No active referring officer has this badge number in your agency.")])
    return membership.user


def _client_setup(client: ApiClient) -> ReferralSetup:
    """The program the client's agency refers into: the first that it leads or partners in, as for its officers."""
    every = setups()
    for program_id in sorted(every):
        if client.agency_id in every[program_id].agency_ids:
            return every[program_id]
    raise ApiProblem(403, [("Authorization", "This client's agency is not part of a program.")])


def _form_data(payload: ReferralIn, idempotency_key: str) -> MultiValueDict:
    """The API body in the officer form's field names, so the form's own rules apply to it unchanged."""
    data = MultiValueDict(
        {
            "pathway": [payload.pathway],
            "handoff": [payload.handoff],
            "first_name": [payload.first_name],
            "last_name": [payload.last_name],
            "date_of_birth": [payload.date_of_birth.isoformat() if payload.date_of_birth else ""],
            "description": [payload.description],
            "phone": [payload.phone],
            "service": [str(payload.service_id) if payload.service_id else ""],
            "location": [payload.location],
            "note": [payload.note],
            "idempotency_key": [idempotency_key],
            "opened": [""],
            "circumstances": list(payload.circumstances),
        }
    )
    if payload.no_name:
        data["no_name"] = "on"
    for criterion_id, answer in payload.eligibility.items():
        data[f"criterion_{criterion_id}"] = "yes" if answer else "no"
    return data


def _api_field(form_field: str) -> str:
    if form_field.startswith("criterion_"):
        return "eligibility." + form_field.removeprefix("criterion_")
    return {"service": "service_id", "idempotency_key": "Idempotency-Key", "__all__": "body"}.get(form_field, form_field)


def _form_errors(form: ReferralForm) -> list[tuple[str, str]]:
    errors = []
    for field, messages in form.errors.items():
        for message in messages:
            if field == "idempotency_key":
                message = "Send a UUID in the Idempotency-Key header; repeat it to retry the same referral."
            errors.append((_api_field(field), message))
    return errors


@api.post(
    "/referrals",
    auth=ClientToken(Scope.REFERRALS_CREATE, "referral.create"),
    response={201: ReferralOut, 200: ReferralOut, 422: ErrorOut, **ERRORS},
    summary="Create a referral from a CAD incident",
    description=(
        "The same validation, eligibility rules and idempotency as the officer's form. A repeated "
        "`Idempotency-Key` for the same officer returns the first referral with 200."
    ),
    tags=["referrals"],
)
def referral_create(request, payload: ReferralIn, idempotency_key: str = Header(..., alias="Idempotency-Key", max_length=64)):
    client: ApiClient = request.auth
    officer = _officer_for_badge(client, payload.badge_number)
    setup = setup_for(officer)
    if setup is None:
        raise ApiProblem(400, [("badge_number", "This officer is not in a program.")])
    form = ReferralForm(_form_data(payload, idempotency_key), program=setup.program, criteria=setup.criteria)
    if not form.is_valid():
        raise ApiProblem(400, _form_errors(form))
    try:
        referral, created = services.referral_submit(
            officer=officer,
            program=setup.program,
            data=form.to_data(),
            criteria=form.criteria,
            agency_ids=setup.agency_ids,
            audit=AuditContext.from_request(request),
        )
    except ServiceError as refused:
        if refused.code == services.INELIGIBLE:
            errors = [(f"eligibility.{c.pk}", f"{c.question} {c.failure_guidance}".strip()) for c in refused.detail]
        else:
            errors = [("body", refused.message)]
        raise ApiProblem(refused.status if 400 <= refused.status < 500 else 400, errors) from refused
    except PermissionError as exc:
        raise ApiProblem(400, [("badge_number", "This officer cannot refer into the program.")]) from exc
    api_call_audit(
        audit=AuditContext.from_request(request),
        client=client,
        operation="referral.create",
        outcome=AuditOutcome.SUCCESS,
        obj=referral,
        detail={"created": created, "incident": payload.incident_number or ""},
    )
    body = ReferralOut(
        id=referral.pk,
        reference=referral.reference,
        received_at=referral.created_at,
        needs_justice_coordination=referral.needs_justice_coordination,
        next_steps=referral.handoff_steps(),
    )
    return Status(201 if created else 200, body)


def get_referral_for_client(request, client: ApiClient, referral_id: int, badge_number: str) -> Referral:
    """The referral, if the client's agency made it and `badge_number` is its referring officer; else 404 (audited)."""
    referral = (
        Referral.objects.filter(
            pk=referral_id,
            agency_id=client.agency_id,
            officer__memberships__agency_id=client.agency_id,
            officer__memberships__badge_number=badge_number,
        )
        .select_related("officer", "program")
        .first()
    )
    if referral is None:
        raise Http404
    return referral


@api.get(
    "/referrals/{referral_id}/status",
    auth=ClientToken(Scope.REFERRALS_STATUS, "referral.status"),
    response={200: ReferralStatusOut, 404: ErrorOut, **ERRORS},
    summary="A referral's status, as its referring officer may read it",
    description=(
        "Gated by consent exactly as the officer's page: without an active consent naming the officer "
        "or their agency, only 'Received by the program'. Every consented answer is logged as a disclosure "
        "and carries the 42 CFR 2.32 notice."
    ),
    tags=["referrals"],
)
def referral_status(
    request,
    response: HttpResponse,
    referral_id: int = Path(..., ge=1, le=MAX_ID),
    badge_number: str = Query(..., pattern=BADGE_PATTERN, description="The referring officer's badge number."),
):
    client: ApiClient = request.auth
    referral = get_referral_for_client(request, client, referral_id, badge_number)
    view = referral_status_for_officer(referral=referral, audit=AuditContext.from_request(request))
    # What a consent allowed is read afresh on every call: no client, proxy or CAD cache may keep it
    # past a revocation (SECURITY.md 3 and 29).
    response["Cache-Control"] = "no-store, private"
    api_call_audit(
        audit=AuditContext.from_request(request),
        client=client,
        operation="referral.status",
        outcome=AuditOutcome.SUCCESS,
        obj=referral,
        detail={"disclosed": view.is_disclosure},
    )
    return Status(
        200,
        ReferralStatusOut(
            id=referral.pk,
            reference=referral.reference,
            received_at=referral.created_at,
            status=view.text,
            disclosed=view.is_disclosure,
            consent_level=view.level,
            redisclosure_notice=REDISCLOSURE_NOTICE if view.is_disclosure else None,
        ),
    )


@api.get(
    "/eligibility",
    auth=ClientToken(Scope.REFERRALS_CREATE, "eligibility.read"),
    response={200: EligibilityOut, **ERRORS},
    summary="The program's eligibility checklist (answer each item by id when creating a referral)",
    tags=["referrals"],
)
def eligibility(request):
    client: ApiClient = request.auth
    setup = _client_setup(client)
    api_call_audit(
        audit=AuditContext.from_request(request),
        client=client,
        operation="eligibility.read",
        outcome=AuditOutcome.SUCCESS,
        obj=setup.program,
    )
    return Status(200, {"program": setup.program.name, "criteria": list(setup.criteria)})


@api.get(
    "/directory",
    auth=ClientToken(Scope.DIRECTORY_READ, "directory.read"),
    response={200: DirectoryOut, **ERRORS},
    summary="The program's provider directory with current capacity",
    tags=["directory"],
)
def directory(request, open_only: bool = Query(False, description="Only services with open slots.")):
    client: ApiClient = request.auth
    programs = Program.objects.filter(Q(lead_agency_id=client.agency_id) | Q(partners=client.agency_id))
    agency_ids = set()
    for program in programs.prefetch_related("partners").distinct():
        agency_ids |= program.agency_ids()
    services_qs = ProviderService.objects.filter(agency_id__in=agency_ids, is_active=True).select_related("agency")
    if open_only:
        services_qs = services_qs.filter(capacity_state="open")
    now = timezone.now()
    rows = [
        {
            "id": s.pk,
            "name": s.name,
            "provider": s.agency.name,
            "kind": s.kind,
            "hours": s.hours,
            "address": s.address,
            "phone": s.phone,
            "serves": s.serves,
            "accepts_warm_handoffs": s.accepts_warm_handoffs,
            "capacity": {
                "state": s.capacity_state,
                "open_slots": s.open_slots,
                "updated_at": s.capacity_updated_at,
                "stale": s.capacity_is_stale(now),
            },
        }
        for s in services_qs.order_by("kind", "agency__name", "name")
    ]
    api_call_audit(
        audit=AuditContext.from_request(request), client=client, operation="directory.read", outcome=AuditOutcome.SUCCESS
    )
    return Status(200, {"services": rows})

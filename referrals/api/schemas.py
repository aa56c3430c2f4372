"""Request and response shapes of /api/v1/ (they are the OpenAPI document's components)."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from deflection.models import Pathway
from referrals.models import CapacityState, Circumstance, CriterionKind, Handoff, ServiceKind

# Badge and incident numbers: letters, digits and a little punctuation; never a NUL or a control character.
BADGE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/#-]{0,19}$"
INCIDENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/#:-]{0,39}$"
MAX_ID = 2_147_483_647  # PostgreSQL integer ids


class FieldError(Schema):
    field: str = Field(description="The input at fault: a body field, `eligibility.<id>`, a header or a query parameter.")
    reason: str


class ErrorOut(Schema):
    """Every 4xx body: which input is at fault and why. It never echoes what was sent."""

    errors: list[FieldError]


class ReferralIn(Schema):
    """A referral from a CAD incident. The rules are the officer form's, applied by the form itself."""

    badge_number: str = Field(pattern=BADGE_PATTERN, description="The referring officer, within the client's agency.")
    incident_number: str | None = Field(
        default=None, pattern=INCIDENT_PATTERN, description="The CAD incident; kept in the audit trail only."
    )
    pathway: Pathway
    handoff: Handoff
    no_name: bool = Field(default=False, description="The person did not give a name: send `description` instead.")
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    date_of_birth: datetime.date | None = None
    description: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=30)
    service_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="A service from GET /api/v1/directory.")
    location: str = Field(default="", max_length=200)
    circumstances: list[Circumstance] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=4000)
    eligibility: dict[str, bool] = Field(
        default_factory=dict, description="Answer to each checklist item of GET /api/v1/eligibility, by its id."
    )


class ReferralOut(Schema):
    id: int
    reference: str
    received_at: datetime.datetime
    needs_justice_coordination: bool
    next_steps: list[str]


class ReferralStatusOut(Schema):
    """What the referring officer may read: only "received" unless a consent names them or their agency."""

    id: int
    reference: str
    received_at: datetime.datetime
    status: str
    disclosed: bool = Field(description="True when consented information is shown (logged as a disclosure).")
    consent_level: str | None
    redisclosure_notice: str | None = Field(description="42 CFR 2.32 notice; present with every disclosure.")


class CriterionOut(Schema):
    id: int
    question: str
    kind: CriterionKind
    required_answer: bool = Field(description="For a hard item: the answer the person must have.")
    failure_guidance: str


class EligibilityOut(Schema):
    program: str
    criteria: list[CriterionOut]


class CapacityOut(Schema):
    state: CapacityState
    open_slots: int | None
    updated_at: datetime.datetime | None
    stale: bool = Field(description="Not updated in the last 24 hours.")


class ServiceOut(Schema):
    id: int
    name: str
    provider: str
    kind: ServiceKind
    hours: str
    address: str
    phone: str
    serves: str
    accepts_warm_handoffs: bool
    capacity: CapacityOut


class DirectoryOut(Schema):
    services: list[ServiceOut]

"""The demo's API client (referrals.api): Riverside PD's CAD system, with a published token for the README's curl examples."""

from __future__ import annotations

import datetime

from django.utils import timezone

from deflection.models import Program, Role
from referrals.api.models import ApiClient, Scope
from referrals.api.services import api_client_create

# Demo only (like the demo password): anyone reading the README knows it.
DEMO_TOKEN = "dfl_00000000de40_demo-cad-token-not-for-production"  # noqa: S105
DEMO_CLIENT_NAME = "Riverside CAD (demo)"


def seed(program: Program) -> str:
    agency = program.lead_agency
    if ApiClient.objects.filter(agency=agency, name=DEMO_CLIENT_NAME).exists():
        return "API client already there"
    coordinator = agency.memberships.filter(role=Role.COORDINATOR).select_related("user").first()
    admin = agency.memberships.filter(role=Role.ADMINISTRATOR).select_related("user").first()
    creator = (coordinator or admin).user
    api_client_create(
        agency=agency,
        name=DEMO_CLIENT_NAME,
        scopes=[Scope.REFERRALS_CREATE, Scope.REFERRALS_STATUS, Scope.DIRECTORY_READ, Scope.OVERDOSES_CREATE],
        expires_at=timezone.now() + datetime.timedelta(days=365),
        created_by=creator,
        token=DEMO_TOKEN,
    )
    return f"API client '{DEMO_CLIENT_NAME}' (token in README)"

"""API fixtures on top of the referrals `rworld`: one client per agency and scope set, and their tokens."""

import datetime
import uuid

import pytest
from django.utils import timezone

from deflection.models import Membership
from referrals.api.models import Scope
from referrals.api.services import api_client_create
from referrals.tests.conftest import rworld  # noqa: F401  re-exported fixture

ALL_SCOPES = [Scope.REFERRALS_CREATE, Scope.REFERRALS_STATUS, Scope.DIRECTORY_READ, Scope.OVERDOSES_CREATE]


def make_token(world, agency, scopes=ALL_SCOPES, name=None, days=30):
    _client, token = api_client_create(
        agency=agency,
        name=name or f"CAD {uuid.uuid4().hex[:6]}",
        scopes=list(scopes),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=world.coordinator,
    )
    return token


def badge(user, agency) -> str:
    return Membership.objects.get(user=user, agency=agency).badge_number


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def police_token(rworld):  # noqa: F811  the fixture imported above
    return make_token(rworld, rworld.police)


def referral_body(world, **overrides) -> dict:
    """A valid API referral for the `rworld` program, by the police officer."""
    body = {
        "badge_number": badge(world.officer, world.police),
        "incident_number": "CAD-2026-001234",
        "pathway": "officer_referral",
        "handoff": "warm_handoff",
        "first_name": "Jamie",
        "last_name": "Rivera",
        "date_of_birth": "1988-03-14",
        "phone": "(555) 123-4567",
        "service_id": world.detox.pk,
        "eligibility": {str(world.adult.pk): True, str(world.warrant.pk): False},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}

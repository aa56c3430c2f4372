"""Fixtures for feedback tests: crowds of colleagues (surveys must pass the suppression threshold), and a
referral with a consent in any state naming anyone (the outcome feed's consent matrix)."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from deflection.models import Role
from deflection.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from referrals.models import DisclosureLevel, Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

CONSENT_STATES = ["none", "active", "expired", "revoked"]
RECIPIENTS = ["referring officer", "another officer", "same agency", "another agency"]


def consent_allows(state: str, recipient: str) -> bool:
    """The matrix's expected answer: only an active consent naming the referring officer or their agency."""
    return state == "active" and recipient in ("referring officer", "same agency")


@pytest.fixture
def crowd():
    """`crowd(agency, role, n)`: n new active members of `agency` with `role`, as (user, membership) pairs."""

    def make(agency, role=Role.OFFICER, n=11, prefix=None):
        people = []
        for i in range(n):
            user = UserFactory(username=f"{prefix or agency.name.split()[0].lower()}-{role}-{i}")
            people.append((user, MembershipFactory(user=user, agency=agency, role=role)))
        return people

    return make


@pytest.fixture
def referral(world):
    """A referral by `world.officer` (Riverside PD) in the provider's queue, made 40 days ago."""
    world.program.case_management_agency = world.provider
    world.program.save(update_fields=["case_management_agency"])
    participant = ParticipantFactory(program=world.program, first_name="Casey", last_name="Quinn", created_by=world.officer)
    created = timezone.now() - datetime.timedelta(days=40)
    return ReferralFactory(
        program=world.program,
        participant=participant,
        officer=world.officer,
        agency=world.police,
        provider=world.provider,
        created_at=created,
        status=Status.RECEIVED,
    )


@pytest.fixture
def consent_for(world):
    """`consent_for(referral, state, recipient, level=...)`: a consent in one cell of the matrix (None for "none")."""

    def make(referral, state, recipient, level=DisclosureLevel.STATUS):
        if state == "none":
            return None
        recipients = {
            "referring officer": {"recipient_officer": referral.officer},
            "another officer": {"recipient_officer": world.other_officer},
            "same agency": {"recipient_agency": referral.agency},
            "another agency": {"recipient_agency": AgencyFactory(name=f"Other PD {referral.pk}")},
        }[recipient]
        # The program's own date: around midnight UTC it differs from the UTC date.
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(referral.program.time_zone))
        consent = ConsentFactory(
            participant=referral.participant,
            disclosing_agency=world.provider,
            witnessed_by=world.case_manager,
            level=level,
            **recipients,
            expires_on=today - datetime.timedelta(days=1) if state == "expired" else today + datetime.timedelta(days=90),
        )
        if state == "revoked":
            consent.revoked_at = timezone.now()
            consent.revoked_by = world.case_manager
            consent.save(update_fields=["revoked_at", "revoked_by"])
        return consent

    return make

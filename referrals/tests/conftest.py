"""Referral fixtures on top of the shared `world`: a program with a checklist and a directory."""

import uuid

import pytest
from django.utils import timezone

from deflection.models import AgencyKind, Pathway, Role
from deflection.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from referrals.forms import sign_opened_at
from referrals.models import CriterionKind, ServiceKind
from referrals.tests.factories import CriterionFactory, ProviderServiceFactory


@pytest.fixture
def rworld(world):
    program = world.program
    program.case_management_agency = world.provider
    program.save(update_fields=["case_management_agency"])
    world.adult = CriterionFactory(
        program=program,
        question="Is the person 18 or older?",
        position=0,
        failure_guidance="Call Youth Services at (555) 400-2200.",
    )
    world.warrant = CriterionFactory(
        program=program, question="Active warrant?", kind=CriterionKind.INCLUSIVE, required_answer=False, position=1
    )
    world.detox = ProviderServiceFactory(agency=world.provider, kind=ServiceKind.DETOX, name="Harbor Detox")
    world.moud = ProviderServiceFactory(
        agency=world.provider, kind=ServiceKind.MOUD, name="Harbor MOUD", capacity_state="call", open_slots=None
    )
    return world


def referral_post(world, **overrides):
    """A valid form submission for the `rworld` program."""
    data = {
        "pathway": Pathway.OFFICER_REFERRAL,
        "first_name": "Jamie",
        "last_name": "Rivera",
        "date_of_birth": "1988-03-14",
        "phone": "(555) 123-4567",
        "handoff": "warm_handoff",
        "service": str(world.detox.pk),
        f"criterion_{world.adult.pk}": "yes",
        f"criterion_{world.warrant.pk}": "no",
        "idempotency_key": str(uuid.uuid4()),
        "opened": sign_opened_at(timezone.now() - timezone.timedelta(minutes=4)),
        "note": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def second_provider(rworld):
    """A second provider in the program (Second Chance) with its own case manager, `rworld.peer`."""
    agency = AgencyFactory(name="Second Chance", kind=AgencyKind.TREATMENT)
    rworld.program.partners.add(agency)
    peer = UserFactory(username="peer", first_name="Araminta", last_name="Goldthwaite")
    MembershipFactory(user=peer, agency=agency, role=Role.CASE_MANAGER, badge_number="")
    rworld.second_provider = agency
    rworld.peer = peer
    return agency

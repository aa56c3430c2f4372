"""Post-overdose outreach fixtures: the shared `world` program running a QRT, its team and a unit's kits."""

import datetime

import pytest
from django.utils import timezone

from deflection.models import ProgramType, Role
from deflection.tests.factories import MembershipFactory, UnitFactory, UserFactory
from referrals.overdose.models import OutreachSettings
from referrals.overdose.services import OverdoseData, overdose_record


@pytest.fixture
def qworld(world):
    program = world.program
    program.program_types = [ProgramType.SELF_OFFICER_REFERRAL, ProgramType.QUICK_RESPONSE_TEAM]
    program.case_management_agency = world.provider
    program.save(update_fields=["program_types", "case_management_agency"])
    world.on_call = UserFactory(username="oncall", first_name="Evangeline", last_name="Marchbanks")
    MembershipFactory(user=world.on_call, agency=world.provider, role=Role.CASE_MANAGER, badge_number="")
    world.settings = OutreachSettings.objects.create(
        program=program, clock_hours=24, max_attempts=3, on_call_case_manager=world.on_call, low_stock_threshold=3
    )
    world.qrt_unit = UnitFactory(agency=world.police, name="QRT")
    return world


def record(world, *, fatal=False, named=True, hours_ago=1, doses=2, **person):
    """An overdose recorded by the officer `hours_ago` hours ago (named survivor by default)."""
    if named:
        person = {"first_name": "Rosalind", "last_name": "Quenby", "phone": "(555) 201-3344", **person}
    return overdose_record(
        program=world.program,
        data=OverdoseData(
            occurred_at=timezone.now() - datetime.timedelta(hours=hours_ago),
            place="12 Mill Road, back lot",
            fatal=fatal,
            naloxone_doses=doses,
            **person,
        ),
        recorded_by=world.officer,
    )

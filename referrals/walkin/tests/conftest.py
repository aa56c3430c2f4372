"""Walk-in fixtures: the referrals world (checklist, directory) running walk-in, with a peer volunteer on call."""

import uuid

import pytest
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import ProgramType, Role
from deflection.tests.factories import MembershipFactory, UserFactory
from referrals.tests.conftest import rworld  # noqa: F401  (fixture)
from referrals.walkin.models import WalkInVolunteer
from referrals.walkin.services import IntakeData, walkin_start


@pytest.fixture
def wworld(rworld):  # noqa: F811
    rworld.program.program_types = [ProgramType.SELF_OFFICER_REFERRAL, ProgramType.WALK_IN]
    rworld.program.save(update_fields=["program_types"])
    rworld.angel = UserFactory(username="angel", first_name="Rosamund", last_name="Pettigrew")
    MembershipFactory(user=rworld.angel, agency=rworld.provider, role=Role.CASE_MANAGER, badge_number="")
    WalkInVolunteer.objects.create(program=rworld.program, user=rworld.angel, on_call=True, added_by=rworld.coordinator)
    return rworld


def start(world, *, by=None, minutes_ago=5, **person):
    """A walk-in started at the front desk `minutes_ago` minutes after the person arrived."""
    walkin, _created = walkin_start(
        program=world.program,
        by=by or world.dispatcher,
        data=IntakeData(
            arrived_at=timezone.now() - timezone.timedelta(minutes=minutes_ago),
            need="substance_use",
            idempotency_key=uuid.uuid4(),
            **person,
        ),
        audit=AuditContext(actor=by or world.dispatcher),
    )
    return walkin

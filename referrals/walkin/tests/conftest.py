"""Walk-in fixtures: the referrals world (checklist, directory) running walk-in, with a peer volunteer on call."""

import uuid

import pytest
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import Pathway, ProgramType, Role
from deflection.tests.factories import MembershipFactory, UserFactory
from referrals.models import Handoff, Referral
from referrals.tests.conftest import rworld  # noqa: F401  (fixture)
from referrals.tests.factories import ParticipantFactory
from referrals.walkin.models import WalkIn, WalkInStatus, WalkInVolunteer
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


def bulk(world, *, day, count, placed, minutes=40):
    """`count` walk-ins arriving at 10:00 on `day` (program-local), the first `placed` placed `minutes` later
    (each with its self-referral), the rest left before placement. Bulk-created: figures tests need volume."""
    participant = ParticipantFactory(program=world.program, created_by=world.dispatcher)
    arrived = world.program.local_midnight(day) + timezone.timedelta(hours=10)
    placed_at = arrived + timezone.timedelta(minutes=minutes)
    referrals = Referral.objects.bulk_create(
        Referral(
            program=world.program,
            participant=participant,
            officer=world.dispatcher,
            agency=world.police,
            provider=world.provider,
            pathway=Pathway.SELF_REFERRAL,
            handoff=Handoff.TRANSPORT,
            form_opened_at=placed_at,
            created_at=placed_at,
            status_changed_at=placed_at,
            completion_seconds=60,
        )
        for _ in range(placed)
    )
    rows = [
        WalkIn(
            program=world.program,
            participant=participant,
            started_by=world.dispatcher,
            agency=world.police,
            arrived_at=arrived,
            need="substance_use",
            status=WalkInStatus.PLACED if i < placed else WalkInStatus.CLOSED,
            placed_at=placed_at if i < placed else None,
            referral=referrals[i] if i < placed else None,
            closed_at=None if i < placed else arrived + timezone.timedelta(minutes=20),
            close_reason="" if i < placed else "left",
        )
        for i in range(count)
    ]
    return WalkIn.objects.bulk_create(rows)

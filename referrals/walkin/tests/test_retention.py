"""Retention reaches walk-in intake (issue 11, SECURITY.md 32): a walk-in counts as the person's activity,
and its note goes with a record past the program's period; arrival and placement stay for the figures."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from referrals import retention
from referrals.models import Participant
from referrals.walkin.models import WalkIn

from .conftest import start

pytestmark = pytest.mark.django_db

SEVEN_YEARS_AGO = timezone.now() - datetime.timedelta(days=365 * 7)
NOTE = "Came in with his sister; wants a detox bed tonight"


def _old_walkin(world):
    with time_machine.travel(SEVEN_YEARS_AGO, tick=False):
        walkin = start(world, first_name="Thaddeus", last_name="Oakley")
    WalkIn.objects.filter(pk=walkin.pk).update(note=NOTE)
    return walkin


def test_a_recent_walkin_keeps_an_old_record(wworld):
    old = _old_walkin(wworld)
    # The same person walks in again last week: the record is active.
    WalkIn.objects.create(
        program=wworld.program,
        participant=old.participant,
        started_by=wworld.dispatcher,
        agency=old.agency,
        arrived_at=timezone.now() - datetime.timedelta(days=7),
        need=old.need,
    )
    assert retention.retention_apply(program=wworld.program) == 0
    assert Participant.objects.get(pk=old.participant_id).first_name == "Thaddeus"
    assert WalkIn.objects.get(pk=old.pk).note == NOTE


def test_past_the_period_the_note_goes_and_the_walkin_stays(wworld):
    old = _old_walkin(wworld)
    assert retention.retention_apply(program=wworld.program) == 1
    kept = WalkIn.objects.get(pk=old.pk)
    assert kept.note == "" and kept.arrived_at == old.arrived_at
    assert Participant.objects.get(pk=old.participant_id).first_name == ""

"""Retention reaches the overdose outreach app (issue 11, SECURITY.md 32): an overdose counts as activity,
and the places and notes go with a record past its period; the overdose itself stays for the figures."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from referrals import retention
from referrals.models import Participant
from referrals.overdose.models import FamilyFollowUp, OutreachAttempt, Overdose

from .conftest import record

pytestmark = pytest.mark.django_db

SEVEN_YEARS_AGO = timezone.now() - datetime.timedelta(days=365 * 7)
NOTE = "Mother says he sleeps at the shelter on 5th"


def _old_survivor(qworld, first_name):
    """A survivor whose overdose, outreach attempt and record are all seven years old."""
    with time_machine.travel(SEVEN_YEARS_AGO, tick=False):
        overdose = record(qworld, first_name=first_name)
        OutreachAttempt.objects.create(
            case=overdose.outreach_case, by=qworld.case_manager, channel="phone", reached="family", result="try_again", note=NOTE
        )
    return overdose


def test_a_recent_overdose_keeps_an_old_record(qworld):
    overdose = _old_survivor(qworld, "Rosalind")
    # The same person overdoses again last month: the record is active, whatever its referrals' age.
    Overdose.objects.create(
        program=qworld.program,
        occurred_at=timezone.now() - datetime.timedelta(days=30),
        place="Bus shelter, Elm Street",
        fatal=False,
        naloxone_given=True,
        naloxone_doses=1,
        participant=overdose.participant,
        recorded_by=qworld.officer,
    )
    assert retention.retention_apply(program=qworld.program) == 0
    assert Participant.objects.get(pk=overdose.participant_id).first_name == "Rosalind"
    assert Overdose.objects.get(pk=overdose.pk).place == "12 Mill Road, back lot"


def test_past_the_period_the_places_and_notes_go_and_the_overdose_stays(qworld):
    overdose = _old_survivor(qworld, "Rosalind")
    with time_machine.travel(SEVEN_YEARS_AGO, tick=False):
        fatal = record(qworld, fatal=True, first_name="Wendeline")
    FamilyFollowUp.objects.filter(overdose=fatal).update(note="Sister asked for the grief group on Tuesdays")
    assert retention.retention_apply(program=qworld.program) == 2
    kept = Overdose.objects.get(pk=overdose.pk)
    assert kept.place == "" and (kept.fatal, kept.naloxone_doses) == (False, 2)  # the figures' facts stay
    assert Overdose.objects.get(pk=fatal.pk).place == ""
    assert OutreachAttempt.objects.get().note == ""
    assert FamilyFollowUp.objects.get().note == ""
    assert Participant.objects.get(pk=overdose.participant_id).first_name == ""


def test_a_legal_hold_keeps_the_overdose_places_and_notes(qworld):
    overdose = _old_survivor(qworld, "Rosalind")
    retention.participant_legal_hold_set(participant=overdose.participant, by=qworld.coordinator, hold=True, reason="Inquest")
    assert retention.retention_apply(program=qworld.program) == 0
    assert Overdose.objects.get(pk=overdose.pk).place == "12 Mill Road, back lot"
    assert OutreachAttempt.objects.get().note == NOTE

"""The retention job de-identifies records past the program's period, except those on legal hold (SECURITY.md 32)."""

import datetime

import pytest
from django.utils import timezone

from deflection.errors import ServiceError
from deflection.models import AuditEvent
from referrals import retention
from referrals.models import Participant, ParticipantMatchKey, Referral, RetentionPolicy, StatusChange
from referrals.tests.factories import ParticipantFactory, ReferralFactory

LONG_AGO = timezone.now() - datetime.timedelta(days=365 * 7)
RECENT = timezone.now() - datetime.timedelta(days=365 * 2)


def _person(rworld, when, name):
    person = ParticipantFactory(program=rworld.program, first_name=name, last_name="Oldfield", created_at=when)
    referral = ReferralFactory(
        program=rworld.program,
        participant=person,
        officer=rworld.officer,
        provider=rworld.provider,
        created_at=when,
        status_changed_at=when,
        note="Met at the footbridge",
        next_step="Call back",
    )
    StatusChange.objects.create(referral=referral, status="contacted", at=when, by=rworld.case_manager, note="Talked")
    return person


def test_records_past_retention_are_deidentified_others_kept(rworld):
    old = _person(rworld, LONG_AGO, "Ancient")
    recent = _person(rworld, RECENT, "Recentia")
    audit_before = AuditEvent.objects.count()
    assert retention.retention_apply(program=rworld.program) == 1
    old = Participant.objects.get(pk=old.pk)
    assert old.deidentified_at is not None and old.first_name == "" and old.date_of_birth is None
    assert not ParticipantMatchKey.objects.filter(participant=old).exists()
    referral = Referral.objects.get(participant=old)
    assert referral.note == "" and referral.next_step == "" and referral.status == "received"  # the episode stays
    assert StatusChange.objects.get(referral=referral).note == ""
    assert Participant.objects.get(pk=recent.pk).first_name == "Recentia"
    run = AuditEvent.objects.get(action="retention.apply")
    assert run.detail["deidentified"] == 1 and "Ancient" not in str(run.detail)
    assert AuditEvent.objects.count() == audit_before + 1  # audit rows remain; one more for the run


def test_the_job_is_idempotent(rworld):
    _person(rworld, LONG_AGO, "Ancient")
    assert retention.retention_apply(program=rworld.program) == 1
    assert retention.retention_apply(program=rworld.program) == 0
    assert AuditEvent.objects.filter(action="retention.apply").count() == 2


def test_a_legal_hold_keeps_the_record(rworld):
    held = _person(rworld, LONG_AGO, "Ancient")
    retention.participant_legal_hold_set(participant=held, by=rworld.coordinator, hold=True, reason="Civil suit 24-CV-118")
    assert retention.retention_apply(program=rworld.program) == 0
    assert Participant.objects.get(pk=held.pk).first_name == "Ancient"
    assert AuditEvent.objects.filter(action="participant.legal_hold", actor=rworld.coordinator).exists()
    retention.participant_legal_hold_set(participant=held, by=rworld.coordinator, hold=False, reason="Suit settled")
    assert retention.retention_apply(program=rworld.program) == 1


def test_only_a_coordinator_sets_a_legal_hold(rworld):
    person = _person(rworld, LONG_AGO, "Ancient")
    with pytest.raises(ServiceError):
        retention.participant_legal_hold_set(participant=person, by=rworld.case_manager, hold=True, reason="x")
    assert not Participant.objects.get(pk=person.pk).legal_hold


def test_a_program_sets_its_own_period_and_recent_activity_counts(rworld):
    person = _person(rworld, LONG_AGO, "Ancient")
    RetentionPolicy.objects.create(program=rworld.program, years=10)
    assert retention.retention_apply(program=rworld.program) == 0
    RetentionPolicy.objects.filter(program=rworld.program).update(years=1)
    ReferralFactory(program=rworld.program, participant=person, officer=rworld.officer, provider=rworld.provider)
    assert retention.retention_apply(program=rworld.program) == 0  # referred again today: last activity is now

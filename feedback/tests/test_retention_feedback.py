"""Retention reaches feedback: messages and letters about a de-identified record are deleted, a held one's stay."""

import datetime

from django.utils import timezone

from deflection.models import AuditEvent
from feedback import services
from feedback.models import CaseManagerMessage, LetterScan, ParticipantLetter
from feedback.tasks import apply_feedback_retention
from feedback.tests.factories import CaseManagerMessageFactory, ParticipantLetterFactory
from referrals import retention
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

LONG_AGO = timezone.now() - datetime.timedelta(days=365 * 7)


def _old_referral_with_feedback(world, name):
    person = ParticipantFactory(program=world.program, first_name=name, created_at=LONG_AGO)
    referral = ReferralFactory(
        program=world.program,
        participant=person,
        officer=world.officer,
        provider=world.provider,
        created_at=LONG_AGO,
        status_changed_at=LONG_AGO,
    )
    consent = ConsentFactory(participant=person, disclosing_agency=world.provider, recipient_officer=world.officer)
    CaseManagerMessageFactory(referral=referral, sender=world.case_manager, consent=consent, text=f"{name} is doing well")
    letter = ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager)
    LetterScan.objects.create(letter=letter, file_type="png", size=3, data="AAAA")
    return person


def test_messages_and_letters_of_deidentified_records_go_held_ones_stay(world):
    gone = _old_referral_with_feedback(world, "Ancient")
    held = _old_referral_with_feedback(world, "Heldon")
    retention.participant_legal_hold_set(participant=held, by=world.coordinator, hold=True, reason="Civil suit")
    assert services.retention_apply_feedback() == 0  # nothing de-identified yet
    assert retention.retention_apply(program=world.program) == 1

    assert apply_feedback_retention() == 2  # the beat task, run in-process
    assert not CaseManagerMessage.objects.filter(referral__participant=gone).exists()
    assert not ParticipantLetter.objects.filter(referral__participant=gone).exists()
    assert not LetterScan.objects.filter(letter__referral__participant=gone).exists()
    assert CaseManagerMessage.objects.get(referral__participant=held).text == "Heldon is doing well"
    assert ParticipantLetter.objects.filter(referral__participant=held).count() == 1
    event = AuditEvent.objects.get(action="retention.feedback")
    assert event.detail == {"messages": 1, "letters": 1}
    # Idempotent: a second run finds nothing and writes no record.
    assert services.retention_apply_feedback() == 0
    assert AuditEvent.objects.filter(action="retention.feedback").count() == 1

"""Past retention, nothing typed about a de-identified person is left in any encrypted field (SECURITY.md 32).

Every encrypted field of the project (the pinned list of test_encryption_canaries) is either cleared by
the retention jobs, or kept for a reason written here. A record seven years old gets a canary in each
cleared field, through every model that holds one; after the nightly jobs (referrals' and feedback's) no
row of those models holds a canary. A new narrative field about a person fails the first test until it is
placed in one list or the other.
"""

import datetime

import time_machine
from django.apps import apps
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import LetterScan
from feedback.tests.factories import CaseManagerMessageFactory, ParticipantLetterFactory, approve_letter
from feedback.tests.test_encryption_canaries import CANARY_DATE, ENCRYPTED, canary
from referrals import retention
from referrals.models import FollowUpTask, ParticipantUpdateProposal, StatusChange
from referrals.overdose.models import AttemptResult, Channel, FamilyFollowUp, OutreachAttempt, OutreachCase, Overdose, Reached
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory
from referrals.walkin.models import Need, WalkIn

KEPT = {
    # Who read a record outside their scope and why: accountability, kept like the audit trail.
    "referrals.breakglassgrant": "the break-glass reason is an access record, kept like the audit trail",
    "referrals.legalhold": "exists only for held records, which are never de-identified",
    "feedback.anonymoussubmission": "belongs to nobody, and is published within the day or the survey",
    # HUB situations are not participant records; their retention needs its own hold (not built yet).
    "hub.situationidentity": "HUB situation tables: their own retention and legal hold are not built",
    "hub.hubmeeting": "HUB meeting agendas and minutes: de-identified by rule; their retention is not built",
}
# Every other encrypted field is cleared (blanked, or the row deleted) when the record is de-identified.
CLEARED = {label: fields for label, fields in ENCRYPTED.items() if label not in KEPT}
LONG_AGO = timezone.now() - datetime.timedelta(days=365 * 7)


def test_every_encrypted_field_is_cleared_by_retention_or_kept_for_a_stated_reason():
    assert set(KEPT) <= set(ENCRYPTED), "a kept model that has no encrypted field any more"


def _plant(world):
    """One person seven years back, with a canary in every field retention must clear."""
    c = canary
    with time_machine.travel(LONG_AGO, tick=False):
        person = ParticipantFactory(
            program=world.program,
            first_name=c("p", "first"),
            last_name=c("p", "last"),
            date_of_birth=CANARY_DATE,
            phone=c("p", "phone"),
            address=c("p", "address"),
            description=c("p", "description"),
        )
        referral = ReferralFactory(
            program=world.program,
            participant=person,
            officer=world.officer,
            agency=world.police,
            provider=world.provider,
            location=c("r", "location"),
            note=c("r", "note"),
            next_step=c("r", "next_step"),
        )
        StatusChange.objects.create(
            referral=referral, status="contacted", by=world.case_manager, note=c("s", "note"), next_step=c("s", "next")
        )
        FollowUpTask.objects.create(
            referral=referral,
            title=c("t", "title"),
            due_at=timezone.now(),
            assigned_to=world.case_manager,
            created_by=world.case_manager,
        )
        # Signed by drawing only (no tick): de-identifying must not break the "consent is signed" rule.
        consent = ConsentFactory(
            participant=person,
            disclosing_agency=world.provider,
            witnessed_by=world.case_manager,
            recipient_officer=world.officer,
            information_description=c("c", "description"),
            expiry_event_kind="other",
            expiry_event=c("c", "event"),
            signature_name=c("c", "name"),
            signature_ticked=False,
            signature_drawing=c("c", "drawing"),
        )
        ParticipantUpdateProposal.objects.create(
            participant=person, referral=referral, phone=c("u", "phone"), proposed_by=world.officer
        )
        CaseManagerMessageFactory(referral=referral, sender=world.case_manager, consent=consent, text=c("m", "text"))
        letter = ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager, original_text=c("l", "original"))
        approve_letter(letter, world.coordinator, published_text=c("l", "published"))
        letter.review_note = c("l", "note")
        letter.save(update_fields=["review_note"])
        LetterScan.objects.create(letter=letter, file_type="png", size=3, data=c("l", "scan"))
        overdose = Overdose.objects.create(
            program=world.program,
            occurred_at=timezone.now(),
            place=c("o", "place"),
            fatal=False,
            naloxone_given=False,
            participant=person,
            recorded_by=world.officer,
        )
        case = OutreachCase.objects.create(overdose=overdose, program=world.program, participant=person, due_at=timezone.now())
        OutreachAttempt.objects.create(
            case=case,
            by=world.case_manager,
            channel=Channel.PHONE,
            reached=Reached.NOBODY,
            result=AttemptResult.NO_ANSWER,
            note=c("o", "attempt"),
        )
        fatal = Overdose.objects.create(
            program=world.program,
            occurred_at=timezone.now(),
            place=c("o", "fatal_place"),
            fatal=True,
            naloxone_given=False,
            participant=person,
            recorded_by=world.officer,
        )
        FamilyFollowUp.objects.create(
            overdose=fatal, program=world.program, due_from=timezone.now(), due_until=timezone.now(), note=c("o", "family")
        )
        WalkIn.objects.create(
            program=world.program,
            participant=person,
            started_by=world.officer,
            agency=world.police,
            arrived_at=timezone.now(),
            need=Need.choices[0][0],
            note=c("w", "note"),
        )
    return person


def _canaries_left():
    left = []
    for label, fields in CLEARED.items():
        for row in apps.get_model(label).objects.all():
            for name in fields:
                value = getattr(row, name)
                if value == CANARY_DATE or (isinstance(value, str) and "Canary" in value):
                    left.append(f"{label}.{name}")
    return left


def test_after_the_nightly_jobs_no_cleared_field_of_the_record_holds_what_was_typed(world):
    person = _plant(world)
    assert len(set(_canaries_left())) == sum(len(fields) for fields in CLEARED.values())  # every field planted
    assert retention.retention_apply(program=world.program) == 1
    feedback_services.retention_apply_feedback()
    assert _canaries_left() == []
    person.refresh_from_db()
    assert person.deidentified_at is not None

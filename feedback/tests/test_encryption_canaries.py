"""Every encrypted field keeps its clear text out of a raw database dump (SECURITY.md 10).

A canary (a string no fixture could produce) is written into each encrypted field of
every model, through the flows that write them where there is one and straight through
the ORM otherwise; a COPY of every table must hold none of them. The list of encrypted
fields is pinned, so a narrative field that goes back to clear text fails here.
"""

import datetime

from django.apps import apps
from django.utils import timezone

from deflection.crypto import EncryptedDateField, EncryptedTextField
from feedback import services as feedback_services
from feedback.models import AnonymousSubmission, CaseManagerMessage, LetterScan, ParticipantLetter
from feedback.tests.factories import CaseManagerMessageFactory, ParticipantLetterFactory
from referrals import retention, services
from referrals.hub.models import HubMeeting, HubTable, RiskFactor, Situation, SituationIdentity
from referrals.models import BreakGlassGrant, FollowUpTask, ParticipantUpdateProposal, StatusChange
from referrals.overdose.models import AttemptResult, Channel, OutreachAttempt, OutreachCase, Overdose, Reached
from referrals.overdose.services import OverdoseData, overdose_record
from referrals.tests.factories import ConsentFactory, ReferralFactory
from referrals.tests.test_encryption import raw_dump
from referrals.walkin.models import Need, WalkIn

ENCRYPTED = {
    "referrals.participant": {"first_name", "last_name", "date_of_birth", "phone", "address", "description"},
    "referrals.referral": {"location", "note", "next_step"},
    "referrals.statuschange": {"note", "next_step"},
    "referrals.followuptask": {"title"},
    "referrals.consent": {"information_description", "expiry_event", "signature_name", "signature_drawing"},
    "referrals.participantupdateproposal": {"phone"},
    "referrals.breakglassgrant": {"reason"},
    "referrals.legalhold": {"reason", "lift_reason"},
    "feedback.casemanagermessage": {"text"},
    "feedback.participantletter": {"original_text", "published_text", "review_note"},
    "feedback.letterscan": {"data"},
    "feedback.anonymoussubmission": {"payload"},
    "overdose.overdose": {"place"},
    "overdose.outreachattempt": {"note"},
    "overdose.familyfollowup": {"note"},
    "hub.situationidentity": {"first_name", "last_name", "date_of_birth", "phone", "address"},
    "hub.hubmeeting": {"agenda", "minutes"},
    "walkin.walkin": {"note"},
}
CANARY_DATE = datetime.date(1911, 11, 11)


def encrypted_fields() -> dict[str, set[str]]:
    found = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | EncryptedDateField)}
        if names:
            found[model._meta.label_lower] = names
    return found


def canary(label: str, field: str) -> str:
    return f"Canary{label.replace('.', 'Q')}Q{field}Zx"


def test_the_encrypted_fields_are_the_pinned_list():
    assert encrypted_fields() == ENCRYPTED


def test_no_encrypted_field_reaches_a_dump_in_clear(world):
    referral = ReferralFactory(program=world.program, officer=world.officer, agency=world.police, provider=world.provider)
    # The flows that write narrative.
    services.referral_set_status(
        referral=referral,
        by=world.case_manager,
        status="contacted",
        next_step=canary("flow", "next_step"),
        next_step_owner=world.case_manager,
        next_step_due=timezone.now(),
    )
    services.task_create(
        referral=referral,
        title=canary("flow", "title"),
        due_at=timezone.now(),
        assigned_to=world.case_manager,
        by=world.case_manager,
    )
    consent = ConsentFactory(
        participant=referral.participant,
        disclosing_agency=world.provider,
        witnessed_by=world.case_manager,
        recipient_officer=world.officer,
        information_description=canary("flow", "information_description"),
        expiry_event_kind="other",
        expiry_event=canary("flow", "expiry_event"),
    )
    proposal = ParticipantUpdateProposal.objects.create(
        participant=referral.participant, referral=referral, phone="(555) 000-1111", proposed_by=world.officer
    )
    grant = BreakGlassGrant.objects.create(
        user=world.case_manager,
        participant=referral.participant,
        program=world.program,
        reason="placeholder reason",
        expires_at=timezone.now() + BreakGlassGrant.DURATION,
    )
    message = CaseManagerMessageFactory(referral=referral, sender=world.case_manager, consent=consent)
    letter = ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager)
    scan = LetterScan.objects.create(letter=letter, file_type="png", size=3, data="AAAA")
    hold = retention.participant_legal_hold_set(
        participant=referral.participant, by=world.coordinator, hold=True, reason=canary("flow", "hold_reason")
    )
    feedback_services.suggestion_submit(
        program=world.program, author=world.officer, text=canary("flow", "suggestion"), anonymous=True
    )
    overdose = overdose_record(
        program=world.program,
        data=OverdoseData(occurred_at=timezone.now(), place=canary("flow", "place"), fatal=True, naloxone_doses=1),
        recorded_by=world.officer,
    )
    survivor_case = OutreachCase.objects.create(
        overdose=Overdose.objects.create(
            program=world.program,
            occurred_at=timezone.now(),
            place="x",
            fatal=False,
            naloxone_given=False,
            participant=referral.participant,
            recorded_by=world.officer,
        ),
        program=world.program,
        participant=referral.participant,
        due_at=timezone.now(),
    )
    attempt = OutreachAttempt.objects.create(
        case=survivor_case, by=world.case_manager, channel=Channel.PHONE, reached=Reached.NOBODY, result=AttemptResult.NO_ANSWER
    )
    table = HubTable.objects.create(program=world.program, name="Table", created_by=world.coordinator)
    meeting = HubMeeting.objects.create(table=table, starts_at=timezone.now(), created_by=world.coordinator)
    situation = Situation.objects.create(
        table=table,
        meeting=meeting,
        presenting_agency=world.police,
        presented_by=world.officer,
        age_group=Situation._meta.get_field("age_group").choices[0][0],
        lead_agency=world.police,
        risk_factors=[RiskFactor.choices[0][0]],
    )
    identity = SituationIdentity.objects.create(situation=situation, first_name="x", last_name="y", shared_by=world.coordinator)
    walkin = WalkIn.objects.create(
        program=world.program,
        participant=referral.participant,
        started_by=world.officer,
        agency=world.police,
        arrived_at=timezone.now(),
        need=Need.choices[0][0],
    )
    rows = {
        "walkin.walkin": walkin,
        "overdose.overdose": overdose,
        "overdose.outreachattempt": attempt,
        "overdose.familyfollowup": overdose.family_follow_up,
        "hub.hubmeeting": meeting,
        "hub.situationidentity": identity,
        "referrals.participant": referral.participant,
        "referrals.referral": referral,
        "referrals.statuschange": StatusChange.objects.filter(referral=referral).latest("at"),
        "referrals.followuptask": FollowUpTask.objects.get(referral=referral),
        "referrals.consent": consent,
        "referrals.participantupdateproposal": proposal,
        "referrals.breakglassgrant": grant,
        "referrals.legalhold": hold,
        "feedback.casemanagermessage": message,
        "feedback.participantletter": letter,
        "feedback.letterscan": scan,
        "feedback.anonymoussubmission": AnonymousSubmission.objects.get(),
    }
    # Every other encrypted field, straight through the ORM.
    for label, names in ENCRYPTED.items():
        model = apps.get_model(label)
        row = rows[label]
        for name in names:
            value = CANARY_DATE if isinstance(model._meta.get_field(name), EncryptedDateField) else canary(label, name)
            model.objects.filter(pk=row.pk).update(**{name: value})
            assert getattr(model.objects.get(pk=row.pk), name) == value  # readable through the model
    dump = raw_dump()
    assert len(dump) > 1000
    secrets = [canary(label, name) for label, names in ENCRYPTED.items() for name in names]
    secrets += [
        canary("flow", name)
        for name in ("next_step", "title", "information_description", "expiry_event", "suggestion", "hold_reason", "place")
    ]
    secrets += [CANARY_DATE.isoformat()]
    leaked = [secret for secret in secrets if secret in dump]
    assert leaked == []
    assert ParticipantLetter.objects.exists() and CaseManagerMessage.objects.exists()

"""The officer's outcome feed (/feedback/feed/): what is shown equals what is consented, with a disclosure record each time.

Consent states (none, active, expired, revoked) are crossed with whom the consent names (the referring
officer, another officer, the same agency, another agency); levels decide the words.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback.models import LetterPermission
from feedback.tests.conftest import CONSENT_STATES, RECIPIENTS, consent_allows
from feedback.tests.factories import CaseManagerMessageFactory, ParticipantLetterFactory, approve_letter
from referrals.models import DisclosureLevel, ServiceKind, Status, StatusChange
from referrals.tests.factories import ConsentFactory, ReferralFactory

NOTICE_SUMMARY = "42 CFR Part 2 notice: redisclosure prohibited"
MESSAGE = "Thank you. She is in residential treatment and doing well."
LETTER = "Officer, thank you for not giving up on me."


def _history(referral, by, days_ago_engaged=30):
    now = timezone.now()
    StatusChange.objects.bulk_create(
        [
            StatusChange(referral=referral, status=Status.RECEIVED, at=referral.created_at, by=referral.officer),
            StatusChange(referral=referral, status=Status.CONTACTED, at=now - datetime.timedelta(days=35), by=by),
            StatusChange(
                referral=referral,
                status=Status.ENGAGED,
                at=now - datetime.timedelta(days=days_ago_engaged),
                by=by,
                service_kind=ServiceKind.RESIDENTIAL,
            ),
            StatusChange(referral=referral, status=Status.RETAINED_30, at=now - datetime.timedelta(days=1), by=by),
        ]
    )
    referral.status = Status.RETAINED_30
    referral.engaged_at = now - datetime.timedelta(days=days_ago_engaged)
    referral.engaged_service_kind = ServiceKind.RESIDENTIAL
    referral.save(update_fields=["status", "engaged_at", "engaged_service_kind"])


@pytest.fixture
def history(world, referral):
    """Steps up to "retained at 30 days", a message sent under an intake consent since revoked, and an approved letter."""
    _history(referral, world.case_manager)
    intake_consent = ConsentFactory(
        participant=referral.participant,
        recipient_officer=world.officer,
        disclosing_agency=world.provider,
        witnessed_by=world.case_manager,
        revoked_at=timezone.now() - datetime.timedelta(days=2),
    )
    CaseManagerMessageFactory(referral=referral, sender=world.case_manager, consent=intake_consent, text=MESSAGE)
    letter = ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager, original_text=LETTER)
    approve_letter(letter, world.coordinator)
    return referral


def _disclosures(referral):
    return AuditEvent.objects.filter(
        action="disclosure", object_type="referrals.participant", object_id=str(referral.participant_id)
    )


@pytest.mark.parametrize("state", CONSENT_STATES)
@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_feed_shows_exactly_what_is_consented(client, world, history, consent_for, state, recipient):
    consent = consent_for(history, state, recipient)
    client.force_login(world.officer)
    body = client.get(reverse("feedback:feed")).content.decode()
    shown = [
        "The case manager has talked with the person",
        "Engaged in treatment",
        "Still in treatment at 30 days",
        MESSAGE,
        LETTER,
    ]
    if consent_allows(state, recipient):
        for text in shown:
            assert text in body
        assert body.count(NOTICE_SUMMARY) == 5  # every consented update carries the notice
        records = list(_disclosures(history))
        assert len(records) == 5
        for record in records:
            assert record.actor == world.officer
            assert record.detail["recipient_user"] == world.officer.pk
            assert record.detail["consent"] == consent.pk
            assert record.detail["referral"] == history.pk
            assert record.detail["channel"] == "feed"
        assert {r.detail["shown"] for r in records} >= {"Engaged in treatment", "Still in treatment at 30 days"}
        assert MESSAGE not in str([r.detail for r in records])  # the record names the message, never its text
    else:
        for text in shown:
            assert text not in body
        assert NOTICE_SUMMARY not in body
        assert "The program received your referral" in body
        assert not _disclosures(history).exists()


@pytest.mark.parametrize(
    ("level", "expected", "absent"),
    [
        (
            DisclosureLevel.ENGAGED_ONLY,
            ["Engaged in treatment: yes"],
            ["Still in treatment at 30 days", "talked with the person", "Residential", MESSAGE, LETTER],
        ),
        (DisclosureLevel.STATUS, ["Engaged in treatment", "Still in treatment at 30 days", MESSAGE, LETTER], ["Residential"]),
        (DisclosureLevel.STATUS_AND_SERVICE, ["Engaged in treatment (Residential treatment)", MESSAGE, LETTER], []),
    ],
)
def test_the_consent_level_limits_the_words(client, world, history, consent_for, level, expected, absent):
    consent_for(history, "active", "referring officer", level=level)
    client.force_login(world.officer)
    body = client.get(reverse("feedback:feed")).content.decode()
    for text in expected:
        assert text in body
    for text in absent:
        assert text not in body
    shown = list(_disclosures(history).values_list("detail__shown", flat=True))
    if level == DisclosureLevel.ENGAGED_ONLY:
        assert shown == ["Engaged in treatment: yes"]  # one item: never "retained at 90 days"
    assert all(record_level == level for record_level in _disclosures(history).values_list("detail__level", flat=True))


def test_revocation_takes_effect_on_the_next_request(client, world, history, consent_for):
    consent = consent_for(history, "active", "referring officer")
    client.force_login(world.officer)
    assert MESSAGE in client.get(reverse("feedback:feed")).content.decode()
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    body = client.get(reverse("feedback:feed")).content.decode()
    assert MESSAGE not in body and "Engaged in treatment" not in body
    assert _disclosures(history).count() == 5  # from the first request only


def test_other_officers_see_nothing_of_someone_elses_referral(client, world, history, consent_for):
    consent_for(history, "active", "same agency")  # names Riverside PD, where other_officer works too
    client.force_login(world.other_officer)
    body = client.get(reverse("feedback:feed")).content.decode()
    assert history.reference not in body and MESSAGE not in body
    assert not _disclosures(history).exists()


def test_a_letter_for_the_newsletter_only_never_reaches_the_officer(client, world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    letter = ParticipantLetterFactory(
        referral=referral,
        recorded_by=world.case_manager,
        permission=LetterPermission.NEWSLETTER,
        original_text="Only for the newsletter.",
    )
    approve_letter(letter, world.coordinator)
    client.force_login(world.officer)
    assert "Only for the newsletter." not in client.get(reverse("feedback:feed")).content.decode()


def test_feed_runs_constant_queries_with_dozens_of_referrals(client, world, django_assert_max_num_queries):
    intake = None
    for i in range(40):
        ref = ReferralFactory(
            program=world.program,
            officer=world.officer,
            agency=world.police,
            provider=world.provider,
            participant__first_name=f"P{i}",
            created_at=timezone.now() - datetime.timedelta(days=40 + i),
        )
        _history(ref, world.case_manager)
        if i % 2:
            intake = ConsentFactory(
                participant=ref.participant,
                recipient_officer=world.officer,
                disclosing_agency=world.provider,
                witnessed_by=world.case_manager,
            )
            CaseManagerMessageFactory(referral=ref, sender=world.case_manager, consent=intake)
            approve_letter(ParticipantLetterFactory(referral=ref, recorded_by=world.case_manager), world.coordinator)
    client.force_login(world.officer)
    before = AuditEvent.objects.filter(action="disclosure").count()
    with django_assert_max_num_queries(15):
        response = client.get(reverse("feedback:feed"))
    assert response.status_code == 200
    written = AuditEvent.objects.filter(action="disclosure").count() - before
    # 60 items shown, newest first: the 20 consented referrals' 5 items each come before the older "received" ones.
    assert written == len([i for i in response.context["items"] if i.is_disclosure]) == 60

"""Consent matrix: what the referring officer sees equals what is consented, with a disclosure record each time.

Consent states (none, active, expired, revoked) are crossed with whom the consent
names (the referring officer, another officer, the same agency, another agency).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from deflection.tests.factories import AgencyFactory
from referrals import services
from referrals.disclosure import RECEIVED_ONLY
from referrals.models import DisclosureLevel, ExpiryEvent, OfficerNotice, Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

ENGAGED_TEXT = "Engaged in treatment"


@pytest.fixture
def referral(rworld):
    participant = ParticipantFactory(program=rworld.program, first_name="Casey", last_name="Quinn")
    referral = ReferralFactory(
        program=rworld.program,
        participant=participant,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.ENGAGED,
        engaged_at=timezone.now(),
    )
    return referral


def make_consent(rworld, referral, state, recipient):
    if state == "none":
        return None
    recipients = {
        "referring officer": {"recipient_officer": rworld.officer},
        "another officer": {"recipient_officer": rworld.other_officer},
        "same agency": {"recipient_agency": rworld.police},
        "another agency": {"recipient_agency": AgencyFactory(name="Other PD")},
    }[recipient]
    today = rworld.program.today()  # consents run on the program's calendar
    consent = ConsentFactory(
        participant=referral.participant,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        level=DisclosureLevel.STATUS,
        **recipients,
        expires_on=today - datetime.timedelta(days=1) if state == "expired" else today + datetime.timedelta(days=90),
    )
    if state == "revoked":
        services.consent_revoke(consent=consent, by=rworld.case_manager)
    return consent


STATES = ["none", "active", "expired", "revoked"]
RECIPIENTS = ["referring officer", "another officer", "same agency", "another agency"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_officer_sees_exactly_what_is_consented(client, rworld, referral, state, recipient):
    consent = make_consent(rworld, referral, state, recipient)
    expected_disclosure = state == "active" and recipient in ("referring officer", "same agency")
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:mine")).content.decode()
    disclosures = AuditEvent.objects.filter(action="disclosure", object_id=str(referral.participant_id))
    if expected_disclosure:
        assert ENGAGED_TEXT in body
        assert "42 CFR Part 2 notice" in body
        record = disclosures.get()
        assert record.actor == rworld.officer
        assert record.detail["consent"] == consent.pk
        assert record.detail["referral"] == referral.pk
        assert record.detail["shown"] == ENGAGED_TEXT
    else:
        assert ENGAGED_TEXT not in body
        assert RECEIVED_ONLY in body
        assert "42 CFR Part 2 notice" not in body
        assert not disclosures.exists()


@pytest.mark.parametrize("viewer", ["other_officer", "deputy", "outsider", "supervisor", "command"])
def test_no_one_but_the_referring_officer_opens_the_referral(client, rworld, referral, viewer):
    make_consent(rworld, referral, "active", "same agency")
    client.force_login(getattr(rworld, viewer))
    assert client.get(reverse("referrals:done", args=[referral.pk])).status_code == 404
    body = client.get(reverse("referrals:mine")).content.decode()
    assert referral.reference not in body
    assert not AuditEvent.objects.filter(action="disclosure").exists()


def test_revocation_takes_effect_on_the_next_request(client, rworld, referral):
    consent = make_consent(rworld, referral, "active", "referring officer")
    client.force_login(rworld.officer)
    assert ENGAGED_TEXT in client.get(reverse("referrals:mine")).content.decode()
    services.consent_revoke(consent=consent, by=rworld.case_manager)
    body = client.get(reverse("referrals:mine")).content.decode()
    assert ENGAGED_TEXT not in body and RECEIVED_ONLY in body
    assert AuditEvent.objects.filter(action="consent.revoke").count() == 1


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (DisclosureLevel.ENGAGED_ONLY, "Engaged in treatment: yes"),
        (DisclosureLevel.STATUS, "Engaged in treatment"),
        (DisclosureLevel.STATUS_AND_SERVICE, "Engaged in treatment (Medication for opioid use disorder (MOUD))"),
    ],
)
def test_level_limits_what_is_shown(client, rworld, referral, level, expected):
    referral.engaged_service_kind = "moud"
    referral.save(update_fields=["engaged_service_kind"])
    ConsentFactory(
        participant=referral.participant,
        recipient_officer=rworld.officer,
        level=level,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
    )
    client.force_login(rworld.officer)
    client.get(reverse("referrals:mine"))
    assert AuditEvent.objects.get(action="disclosure").detail["shown"] == expected


def test_case_manager_lists_every_disclosure_about_one_person(client, rworld, referral):
    make_consent(rworld, referral, "active", "referring officer")
    client.force_login(rworld.officer)
    client.get(reverse("referrals:mine"))
    client.get(reverse("referrals:mine"))
    client.force_login(rworld.case_manager)
    response = client.get(reverse("referrals:participant", args=[referral.participant_id]))
    assert response.content.decode().count(ENGAGED_TEXT) >= 2
    assert AuditEvent.objects.filter(action="participant.view", actor=rworld.case_manager).exists()


def test_my_referrals_runs_constant_queries(client, rworld, django_assert_max_num_queries):
    for i in range(60):
        ref = ReferralFactory(
            program=rworld.program,
            officer=rworld.officer,
            agency=rworld.police,
            provider=rworld.provider,
            participant__first_name=f"P{i}",
        )
        if i % 2:
            ConsentFactory(
                participant=ref.participant,
                recipient_officer=rworld.officer,
                disclosing_agency=rworld.provider,
                witnessed_by=rworld.case_manager,
            )
    client.force_login(rworld.officer)
    # the first page after sign-in: + the time zone look-up, the page count and the identity-read audit row
    with django_assert_max_num_queries(16):
        response = client.get(reverse("referrals:mine"))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="disclosure").count() == 13  # a page of 25 shown, the odd ones consented


# --- Who discloses, and over which records (SECURITY.md 27) -------------------------------------------


@pytest.fixture
def two_provider_referrals(rworld, second_provider):
    """One person with an engaged episode at Harbor Light (provider A) and one at Second Chance (provider B)."""
    participant = ParticipantFactory(program=rworld.program, first_name="Casey", last_name="Quinn")
    at_a = ReferralFactory(
        program=rworld.program,
        participant=participant,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.ENGAGED,
        engaged_at=timezone.now(),
    )
    at_b = ReferralFactory(
        program=rworld.program,
        participant=participant,
        officer=rworld.officer,
        agency=rworld.police,
        provider=second_provider,
        status=Status.DECLINED,
    )
    return at_a, at_b


def test_consent_recorded_by_provider_b_never_discloses_provider_as_referral(client, rworld, two_provider_referrals):
    at_a, at_b = two_provider_referrals
    ConsentFactory(
        participant=at_a.participant,
        disclosing_agency=rworld.second_provider,
        witnessed_by=rworld.peer,
        recipient_agency=rworld.police,
        level=DisclosureLevel.STATUS,
    )
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:mine")).content.decode()
    assert ENGAGED_TEXT not in body  # provider A's status stays behind provider A's consent
    assert "Not in treatment right now" in body  # provider B's own episode is disclosed
    record = AuditEvent.objects.get(action="disclosure")
    assert record.detail["referral"] == at_b.pk


def test_consent_of_provider_a_discloses_only_provider_as_episode(client, rworld, two_provider_referrals):
    at_a, _at_b = two_provider_referrals
    ConsentFactory(
        participant=at_a.participant,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
        level=DisclosureLevel.STATUS,
    )
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:mine")).content.decode()
    assert ENGAGED_TEXT in body and "Not in treatment right now" not in body
    assert list(AuditEvent.objects.filter(action="disclosure").values_list("detail__referral", flat=True)) == [at_a.pk]


def test_a_merge_never_widens_a_consent(client, rworld):
    signed_over = ParticipantFactory(program=rworld.program, first_name="William", last_name="Smithers")
    merged_in = ParticipantFactory(program=rworld.program, first_name="Bill", last_name="Smithers")
    ReferralFactory(
        program=rworld.program,
        participant=signed_over,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.CONTACTED,
    )
    hidden = ReferralFactory(
        program=rworld.program,
        participant=merged_in,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.ENGAGED,
        engaged_at=timezone.now(),
    )
    ConsentFactory(
        participant=signed_over,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
    )
    services.participants_merge(survivor=signed_over, duplicate=merged_in, by=rworld.case_manager)
    assert signed_over.referrals.count() == 2
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:mine")).content.decode()
    assert ENGAGED_TEXT not in body  # the merged-in episode was never under this consent
    assert "The case manager has talked with the person" in body
    assert hidden.pk not in AuditEvent.objects.filter(action="disclosure").values_list("detail__referral", flat=True)


def test_a_consent_signed_after_the_merge_covers_both_records(client, rworld):
    survivor = ParticipantFactory(program=rworld.program, first_name="William", last_name="Smithers")
    merged_in = ParticipantFactory(program=rworld.program, first_name="Bill", last_name="Smithers")
    ReferralFactory(
        program=rworld.program,
        participant=merged_in,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.ENGAGED,
        engaged_at=timezone.now(),
    )
    services.participants_merge(survivor=survivor, duplicate=merged_in, by=rworld.case_manager)
    services.consent_record(
        participant=survivor,
        witnessed_by=rworld.case_manager,
        disclosing_agency=rworld.provider,
        recipient_officer=rworld.officer,
        information_description="Whether I engaged.",
        level=DisclosureLevel.STATUS,
        purpose="Feedback.",
        revocation_terms="Tell my case manager.",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
        signature_name="Signed",
        signature_ticked=True,
        signed_on=timezone.localdate(),
    )
    client.force_login(rworld.officer)
    assert ENGAGED_TEXT in client.get(reverse("referrals:mine")).content.decode()


def test_recording_the_expiry_event_ends_the_consent(client, rworld, referral):
    consent = ConsentFactory(
        participant=referral.participant,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
        expires_on=None,
        expiry_event_kind=ExpiryEvent.FINAL_DISPOSITION,
    )
    client.force_login(rworld.officer)
    assert ENGAGED_TEXT in client.get(reverse("referrals:mine")).content.decode()
    client.force_login(rworld.case_manager)
    response = client.post(
        reverse("referrals:expiry_event", args=[referral.participant_id]),
        {"event": ExpiryEvent.FINAL_DISPOSITION, "occurred_on": rworld.program.today().isoformat()},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.ended_at is not None and not consent.is_active()
    assert AuditEvent.objects.get(action="consent.expiry_event").detail["consents_ended"] == 1
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:mine")).content.decode()
    assert ENGAGED_TEXT not in body and RECEIVED_ONLY in body


def test_another_event_leaves_the_consent_in_force(rworld, referral):
    consent = ConsentFactory(
        participant=referral.participant,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
        expires_on=None,
        expiry_event_kind=ExpiryEvent.FINAL_DISPOSITION,
    )
    ended = services.consent_expiry_event_record(
        participant=referral.participant,
        event=ExpiryEvent.TREATMENT_DISCHARGE,
        occurred_on=timezone.localdate(),
        by=rworld.case_manager,
    )
    consent.refresh_from_db()
    assert ended == 0 and consent.is_active()


def test_unread_notice_count_drops_when_the_consent_is_revoked(client, rworld, referral):
    consent = make_consent(rworld, referral, "active", "referring officer")
    OfficerNotice.objects.create(officer=rworld.officer, referral=referral)
    client.force_login(rworld.officer)
    assert "1 update on your referrals" in client.get(reverse("referrals:officer_home")).content.decode()
    services.consent_revoke(consent=consent, by=rworld.case_manager)
    assert "update on your referrals" not in client.get(reverse("referrals:officer_home")).content.decode()


def test_consented_pages_are_never_cached(client, rworld, referral):
    make_consent(rworld, referral, "active", "referring officer")
    client.force_login(rworld.officer)
    for name in ("referrals:mine", "referrals:officer_home"):
        assert "no-store" in client.get(reverse(name))["Cache-Control"]

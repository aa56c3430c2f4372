"""services.weekly_digests_send: one email per officer per week, counts and a link, only what consent allows.

The week is Monday to Monday in the program's time zone; the digest is due from Monday 06:00.
"""

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.core import mail

from deflection.models import AuditEvent
from feedback import services
from feedback.models import CaseManagerMessage, DeliveryStatus, WeeklyDigest
from feedback.tests.conftest import CONSENT_STATES, RECIPIENTS, consent_allows
from feedback.tests.factories import ParticipantLetterFactory, approve_letter
from referrals.disclosure import OFFICER_STATUS_LABEL, REDISCLOSURE_NOTICE
from referrals.models import DisclosureLevel, Status, StatusChange
from referrals.tests.factories import ReferralFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
WEDNESDAY = datetime.datetime(2026, 6, 17, 12, 0, tzinfo=CHICAGO)
LAST_WEEK = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=CHICAGO)  # inside [Mon 8 June, Mon 15 June)


@pytest.fixture(autouse=True)
def on_a_wednesday():
    """Consents, steps and runs all happen in June 2026 (a consent's expiry is read on the day of the run)."""
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


def step(referral, status, at, by):
    return StatusChange.objects.create(referral=referral, status=status, at=at, by=by)


def run(now=WEDNESDAY):
    with time_machine.travel(now, tick=False):
        return services.weekly_digests_send()


def test_the_due_week_is_last_week_from_monday_morning(world):
    program = world.program
    week = services.digest_week(program, WEDNESDAY)
    assert week[0] == datetime.date(2026, 6, 8)
    assert week[1] == datetime.datetime(2026, 6, 8, tzinfo=CHICAGO)
    assert week[2] == datetime.datetime(2026, 6, 15, tzinfo=CHICAGO)
    assert services.digest_week(program, datetime.datetime(2026, 6, 15, 5, 59, tzinfo=CHICAGO))[0] == datetime.date(2026, 6, 1)
    assert services.digest_week(program, datetime.datetime(2026, 6, 15, 6, 0, tzinfo=CHICAGO))[0] == datetime.date(2026, 6, 8)


@pytest.mark.parametrize("state", CONSENT_STATES)
@pytest.mark.parametrize("recipient", RECIPIENTS)
def test_the_digest_counts_exactly_what_is_consented(world, referral, consent_for, state, recipient):
    consent = consent_for(referral, state, recipient)
    step(referral, Status.ENGAGED, LAST_WEEK, world.case_manager)
    sent = run()
    digest = WeeklyDigest.objects.get(officer=world.officer)  # a candidate either way: something happened
    disclosures = AuditEvent.objects.filter(action="disclosure", detail__channel="digest")
    if consent_allows(state, recipient):
        assert sent == 1 and len(mail.outbox) == 1
        assert digest.status == DeliveryStatus.SENT and digest.updates == 1 and digest.sent_at
        assert "1 update on a person you referred" in mail.outbox[0].body
        record = disclosures.get()
        assert record.detail["consent"] == consent.pk and record.detail["recipient_user"] == world.officer.pk
        assert record.detail["shown"] == "counted in the weekly digest of 2026-06-08"
    else:
        assert sent == 0 and mail.outbox == []
        assert digest.status == DeliveryStatus.SKIPPED
        assert not disclosures.exists()


def test_the_email_has_counts_a_link_and_the_notice_but_no_names_or_statuses(world, referral, consent_for):
    consent_for(referral, "active", "referring officer", level=DisclosureLevel.STATUS_AND_SERVICE)
    step(referral, Status.CONTACTED, LAST_WEEK, world.case_manager)
    step(referral, Status.ENGAGED, LAST_WEEK + datetime.timedelta(days=1), world.case_manager)
    services.message_send(
        referral=referral, sender=world.case_manager, text="She is in residential treatment.", idempotency_key=uuid.uuid4()
    )
    CaseManagerMessage.objects.update(created_at=LAST_WEEK)
    letter = approve_letter(ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager), world.coordinator)
    letter.reviewed_at = LAST_WEEK
    letter.save(update_fields=["reviewed_at"])
    run()
    (email,) = mail.outbox
    assert email.to == [world.officer.email]
    body = email.body
    assert "2 updates on people you referred" in body
    assert "1 message from a case manager" in body and "1 letter from a participant" in body
    assert "/feedback/feed/" in body and REDISCLOSURE_NOTICE in body
    names = [
        "Casey",
        "Quinn",
        world.officer.first_name,
        world.officer.last_name,
        world.officer.username,
        world.case_manager.last_name,
        "residential",
        referral.reference,
    ]
    for text in names + list(OFFICER_STATUS_LABEL.values()):
        assert text not in body and text not in email.subject
    digest = WeeklyDigest.objects.get()
    assert (digest.updates, digest.messages, digest.letters) == (2, 1, 1)


def test_run_twice_sends_one_email_per_officer_per_week(world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    step(referral, Status.ENGAGED, LAST_WEEK, world.case_manager)
    deputy_referral = ReferralFactory(program=world.program, officer=world.deputy, agency=world.sheriff, provider=world.provider)
    consent_for(deputy_referral, "active", "referring officer")
    step(deputy_referral, Status.CONTACTED, LAST_WEEK, world.case_manager)
    assert run() == 2
    assert run(WEDNESDAY + datetime.timedelta(days=1)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.officer.email, world.deputy.email])
    assert WeeklyDigest.objects.filter(status=DeliveryStatus.SENT).count() == 2
    # The next week brings something new for the officer only: one more email, to them.
    step(referral, Status.RETAINED_30, LAST_WEEK + datetime.timedelta(days=7), world.case_manager)
    assert run(WEDNESDAY + datetime.timedelta(days=7)) == 1
    assert [m.to[0] for m in mail.outbox[2:]] == [world.officer.email]


def test_officers_with_nothing_new_get_nothing(world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    step(referral, Status.ENGAGED, LAST_WEEK - datetime.timedelta(days=7), world.case_manager)  # the week before
    assert run() == 0
    assert mail.outbox == [] and not WeeklyDigest.objects.exists()


def test_an_engaged_only_consent_counts_engagement_but_not_retention(world, referral, consent_for):
    consent_for(referral, "active", "referring officer", level=DisclosureLevel.ENGAGED_ONLY)
    step(referral, Status.ENGAGED, LAST_WEEK - datetime.timedelta(days=30), world.case_manager)
    step(referral, Status.RETAINED_30, LAST_WEEK, world.case_manager)
    assert run() == 0
    assert WeeklyDigest.objects.get().status == DeliveryStatus.SKIPPED


def test_a_failed_send_is_retried_by_the_next_run(world, referral, consent_for, monkeypatch):
    consent_for(referral, "active", "referring officer")
    step(referral, Status.ENGAGED, LAST_WEEK, world.case_manager)

    def smtp_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services.outcomes, "send_mail", smtp_down)
    with pytest.raises(OSError):
        run()
    assert WeeklyDigest.objects.get().status == DeliveryStatus.PENDING
    monkeypatch.undo()
    assert run() == 1 and len(mail.outbox) == 1


def test_a_row_claimed_by_another_worker_is_skipped(world, referral, consent_for):
    consent_for(referral, "active", "referring officer")
    step(referral, Status.ENGAGED, LAST_WEEK, world.case_manager)
    with time_machine.travel(WEDNESDAY, tick=False):
        services.weekly_digests_prepare()
    digest = WeeklyDigest.objects.get()
    WeeklyDigest.objects.filter(pk=digest.pk).update(status=DeliveryStatus.SENDING)
    assert services.digest_send(digest_id=digest.pk) is False
    assert mail.outbox == []

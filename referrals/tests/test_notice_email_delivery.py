"""Officer notice emails under SMTP trouble: retried with backoff, recorded, finally shown as failed to the
coordinator with a "send again" that sends once (issue 15). The mechanism is every email task's
(deflection/mail.py); faults/test_email_retries.py runs it for each of them against a real SMTP server."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deflection.mail import EMAIL_RETRIES
from deflection.models import AuditEvent, MailStatus, OutboundMail, OutboxMessage
from referrals.models import Consent, OfficerNotice
from referrals.tasks import email_officer_notice
from referrals.tests.factories import ConsentFactory, ReferralFactory

REAL_SEND = mail.send_mail


@pytest.fixture
def notice(rworld):
    referral = ReferralFactory(program=rworld.program, officer=rworld.officer, agency=rworld.police, provider=rworld.provider)
    # A notice exists only for an update a consent let the officer see; the email asks the gate again when due.
    ConsentFactory(
        participant=referral.participant,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
    )
    return OfficerNotice.objects.create(officer=rworld.officer, referral=referral)


def failing(times: int, error: Exception):
    calls = {"n": 0}

    def send(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return REAL_SEND(*args, **kwargs)

    return send


def test_a_421_then_success_sends_once_and_records_the_retry(notice):
    with mock.patch("referrals.services.send_mail", failing(1, smtplib.SMTPDataError(421, b"try later"))):
        email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None
    record = OutboundMail.objects.get()
    assert (record.status, record.attempts, record.last_error) == (MailStatus.SENT, 2, "421 SMTPDataError")
    assert record.program_id == notice.referral.program_id and notice.referral.reference in record.label


def test_a_message_that_keeps_failing_is_marked_failed_without_the_address(notice, rworld):
    error = smtplib.SMTPRecipientsRefused({rworld.officer.email: (550, b"no such user")})
    with mock.patch("referrals.services.send_mail", failing(99, error)):
        email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.emailed_at is None
    record = OutboundMail.objects.get()
    assert (record.status, record.attempts) == (MailStatus.FAILED, EMAIL_RETRIES + 1)
    assert record.last_error == "550 SMTPRecipientsRefused"
    assert record.failed_at is not None and rworld.officer.email not in record.label + record.last_error


def test_coordinator_sees_the_failed_email_and_sends_it_again_once(client, notice, rworld, django_capture_on_commit_callbacks):
    with mock.patch("referrals.services.send_mail", failing(99, TimeoutError())):
        email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    client.force_login(rworld.coordinator)
    page = client.get(reverse("referrals:failed_emails"))
    assert page.status_code == 200
    assert notice.referral.reference in page.content.decode()
    assert "TimeoutError" in page.content.decode()
    resend = reverse("referrals:mail_resend", args=[OutboundMail.objects.get().pk])
    with django_capture_on_commit_callbacks():
        assert client.post(resend).status_code == 302
        assert client.post(resend).status_code == 302  # a double tap queues nothing more
    assert OutboxMessage.objects.filter(task_name="referrals.tasks.email_officer_notice").count() == 1
    assert AuditEvent.objects.filter(action="mail.resend").count() == 1
    email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    assert len(mail.outbox) == 1
    assert notice.referral.reference not in client.get(reverse("referrals:failed_emails")).content.decode()


def test_officers_cannot_see_or_resend_failed_emails(client, notice, rworld):
    with mock.patch("referrals.services.send_mail", failing(99, TimeoutError())):
        email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    client.force_login(rworld.officer)
    assert client.get(reverse("referrals:failed_emails")).status_code == 404
    assert client.post(reverse("referrals:mail_resend", args=[OutboundMail.objects.get().pk])).status_code == 404


def test_send_again_after_the_consent_was_revoked_sends_nothing(client, notice, rworld, django_capture_on_commit_callbacks):
    """The coordinator's "send again" can come days later: a consent revoked meanwhile withholds the email."""
    with mock.patch("referrals.services.send_mail", failing(99, TimeoutError())):
        email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    Consent.objects.filter(participant=notice.referral.participant).update(revoked_at=timezone.now())
    client.force_login(rworld.coordinator)
    with django_capture_on_commit_callbacks():
        assert client.post(reverse("referrals:mail_resend", args=[OutboundMail.objects.get().pk])).status_code == 302
    email_officer_notice.apply(kwargs={"notice_id": notice.pk})
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.emailed_at is None and notice.email_withheld_at is not None

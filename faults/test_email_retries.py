"""Every email task under SMTP trouble, in this process against the real aiosmtpd server (`smtp_server`):
a 421 then a 250 delivers once with the retry recorded; a mail that keeps failing shows on the
coordinator's "Undelivered emails" and its "send again" sends it once (issue 15, deflection/mail.py).

Not marked `fault`: no processes are started, the task's retries run eagerly (`Task.apply`).
"""

import datetime
from html import escape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deflection import mail
from deflection.audit_review import audit_review_digests_due
from deflection.celery import app
from deflection.models import AuditEvent, MailStatus, OutboundMail, OutboxMessage
from faults.email_tasks import FAN_OUT, SCENARIOS

WEDNESDAY_AFTERNOON = datetime.datetime(2026, 11, 25, 20, 0, tzinfo=datetime.UTC)
REFUSAL = "421 4.3.2 Service shutting down, try again later"
IN_PROCESS = [name for name in SCENARIOS if name not in FAN_OUT]


@pytest.fixture
def run(request, settings, db):
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 0
    app.loader.import_default_modules()

    def setup(scenario):
        if scenario == "audit review digests" and not audit_review_digests_due(timezone.now()):
            # Monday before 07:00 program time no digest is due yet; run this one on a Wednesday afternoon
            # instead of skipping it (the clock ticks on, so retries and timeouts behave as usual).
            traveller = time_machine.travel(WEDNESDAY_AFTERNOON, tick=True)
            traveller.start()
            request.addfinalizer(traveller.stop)
        task, kwargs, recipients = SCENARIOS[scenario](request.getfixturevalue)
        return app.tasks[task], kwargs, recipients

    return setup


def test_every_email_task_has_a_scenario():
    app.loader.import_default_modules()
    assert len(mail.EMAIL_TASKS) >= 12, mail.EMAIL_TASKS
    named = {const for scenario in SCENARIOS.values() for const in scenario.__code__.co_consts if isinstance(const, str)}
    assert mail.EMAIL_TASKS <= named, f"email tasks without a fault scenario: {mail.EMAIL_TASKS - named}"


@pytest.mark.parametrize("scenario", IN_PROCESS)
def test_421_then_250_delivers_once_with_the_retry_recorded(scenario, run, smtp_server):
    task, kwargs, recipients = run(scenario)
    smtp_server.replies = [REFUSAL]
    task.apply(kwargs=kwargs)
    assert smtp_server.refused == [REFUSAL]
    for address in recipients:
        assert smtp_server.to(address) == 1, address
    record = OutboundMail.objects.get(task_name=task.name)
    assert (record.status, record.attempts, record.last_error) == (MailStatus.SENT, 2, "421 SMTPDataError")
    assert not any(address in record.label for address in recipients)


@pytest.mark.parametrize("scenario", ["officer notice", "case manager message", "weekly digests", "quarterly newsletter"])
def test_a_mail_that_keeps_failing_is_shown_to_the_coordinator_and_sent_again_once(
    scenario, run, world, smtp_server, client, django_capture_on_commit_callbacks
):
    task, kwargs, recipients = run(scenario)
    smtp_server.replies = [REFUSAL] * (mail.EMAIL_RETRIES + 1)
    task.apply(kwargs=kwargs)
    assert smtp_server.messages == []
    record = OutboundMail.objects.get(task_name=task.name)
    assert (record.status, record.attempts, record.last_error) == (MailStatus.FAILED, mail.EMAIL_RETRIES + 1, "421 SMTPDataError")

    client.force_login(world.coordinator)
    page = client.get(reverse("referrals:failed_emails")).content.decode()
    assert escape(record.label) in page and "421 SMTPDataError" in page
    assert not any(address in page for address in recipients)
    resend = reverse("referrals:mail_resend", args=[record.pk])
    with django_capture_on_commit_callbacks():
        assert client.post(resend).status_code == 302
        assert client.post(resend).status_code == 302  # a double tap queues nothing more
    queued = OutboxMessage.objects.filter(task_name=task.name)
    assert queued.count() == 1 and queued.get().kwargs == kwargs
    assert AuditEvent.objects.filter(action="mail.resend").count() == 1
    assert escape(record.label) not in client.get(reverse("referrals:failed_emails")).content.decode()

    task.apply(kwargs=queued.get().kwargs)
    task.apply(kwargs=queued.get().kwargs)  # a late copy of the task sends nothing twice
    for address in recipients:
        assert smtp_server.to(address) == 1, address


def test_other_roles_cannot_see_or_resend_undelivered_emails(run, world, smtp_server, client):
    task, kwargs, _recipients = run("officer notice")
    smtp_server.replies = [REFUSAL] * (mail.EMAIL_RETRIES + 1)
    task.apply(kwargs=kwargs)
    record = OutboundMail.objects.get(task_name=task.name)
    for user in (world.officer, world.case_manager):
        client.force_login(user)
        assert client.get(reverse("referrals:failed_emails")).status_code == 404
        assert client.post(reverse("referrals:mail_resend", args=[record.pk])).status_code == 404
    assert OutboundMail.objects.get(pk=record.pk).status == MailStatus.FAILED

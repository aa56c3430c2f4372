"""A Celery worker SIGKILLed in the middle of sending an email: after redelivery every recipient has the
email exactly once (SECURITY.md 19; issue 15). And a task still running past Redis's visibility timeout,
handed to a second worker, sends nothing twice.

Real processes: Celery workers (prefork) on a throwaway Redis with a 3-second visibility timeout, the
pytest database, and an aiosmtpd server that holds one message's DATA unanswered while the test kills the
worker that is sending it, then refuses it (the sender never saw a 250, so nothing was delivered).
"""

import datetime
import os
import signal
import uuid
from collections import Counter

import pytest
from celery import Celery
from django.utils import timezone

from deflection.models import Role
from deflection.settings import kombu_url
from deflection.test_settings import _next_redis_db
from faults.processes import app_env, start_worker, wait_for_worker, wait_until
from feedback import services as feedback_services
from feedback.models import CaseManagerMessage
from feedback.tests.factories import SurveyFactory
from referrals.clocks.models import Escalation, EscalationLevel, EscalationNotice
from referrals.models import OfficerNotice, Status, StatusChange
from referrals.tests.factories import ReferralFactory
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory

pytestmark = pytest.mark.fault


def officer_notice(world, referral, consent_for):
    consent_for(referral, "active", "referring officer")  # the email asks the consent gate when it is due
    notice = OfficerNotice.objects.create(officer=world.officer, referral=referral)
    return "referrals.tasks.email_officer_notice", {"notice_id": notice.pk}, [world.officer.email]


def training_reminders(world, referral, consent_for):
    # Two people overdue for a refresher: the weekly job queues one email task per person.
    course = CourseFactory(program=world.program, refresher_months=12)
    long_ago = timezone.now() - datetime.timedelta(days=800)
    for user in (world.officer, world.dispatcher):
        AttendanceFactory(session=SessionFactory(course=course, starts_at=long_ago), user=user)
    return "training.tasks.send_training_reminders", {}, [world.officer.email, world.dispatcher.email]


def weekly_digests(world, referral, consent_for):
    _week, start, _end = feedback_services.digest_week(world.program, timezone.now())
    deputy_referral = ReferralFactory(program=world.program, officer=world.deputy, agency=world.sheriff, provider=world.provider)
    for ref in (referral, deputy_referral):
        consent_for(ref, "active", "referring officer")
        StatusChange.objects.create(
            referral=ref, status=Status.ENGAGED, at=start + datetime.timedelta(days=2), by=world.case_manager
        )
    return "feedback.tasks.send_weekly_digests", {}, [world.officer.email, world.deputy.email]


def case_manager_message(world, referral, consent_for):
    consent = consent_for(referral, "active", "referring officer")
    message = CaseManagerMessage.objects.create(
        referral=referral, officer=world.officer, sender=world.case_manager, consent=consent, text="In treatment."
    )
    return "feedback.tasks.email_case_manager_message", {"message_id": message.pk}, [world.officer.email]


def survey_reminders(world, referral, consent_for):
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER, Role.DISPATCHER])
    survey.audience_agencies.set([world.police])
    return "feedback.tasks.send_survey_reminders", {"survey_id": survey.pk}, [world.officer.email, world.dispatcher.email]


def escalations(world, referral, consent_for):
    # A first contact past its deadline, escalated to two people (the engine's notices, one email task each).
    escalation = Escalation.objects.create(
        clock="first_contact",
        subject_id=referral.pk,
        level=EscalationLevel.COORDINATOR,
        program=world.program,
        provider=world.provider,
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    notice = EscalationNotice.objects.create(escalation=escalation, recipient=world.coordinator)
    EscalationNotice.objects.create(escalation=escalation, recipient=world.case_manager)
    return "referrals.tasks.email_escalation_notice", {"notice_id": notice.pk}, [world.coordinator.email]


SCENARIOS = {
    "officer notice": officer_notice,
    "training reminders": training_reminders,
    "weekly digests": weekly_digests,
    "case manager message": case_manager_message,
    "survey reminders": survey_reminders,
    "escalations": escalations,
}


def publish(redis_url: str, task: str, kwargs: dict) -> None:
    """Put a task on the throwaway broker, as the outbox relay would (test settings use the next db number)."""
    sender = Celery(broker=kombu_url(_next_redis_db(redis_url)))
    with sender.connection_for_write() as conn:
        sender.send_task(task, kwargs=kwargs, queue="deflection-test", connection=conn)


def run_barrier(redis_url: str, log) -> None:
    """The worker takes tasks in order: once this ping ran, any redelivered copy queued before it ran too."""
    token = uuid.uuid4().hex
    publish(redis_url, "deflection.tasks.ping", {"token": token})
    wait_until(lambda: token in log.read_text(errors="replace"), 60, "the barrier ping")


@pytest.fixture
def broker_env(redis_server, smtp_server, test_database_url):
    return app_env(
        database_url=test_database_url,
        redis_url=redis_server.url,
        email_port=smtp_server.port,
        BROKER_VISIBILITY_TIMEOUT="3",
        BROKER_RESTORE_SWEEP_SECONDS="1",
        EMAIL_RETRY_BACKOFF_SECONDS="1",
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_worker_killed_mid_send_delivers_every_email_exactly_once_after_redelivery(
    scenario, world, referral, consent_for, redis_server, smtp_server, broker_env, processes, tmp_path
):
    task, kwargs, recipients = SCENARIOS[scenario](world, referral, consent_for)
    smtp_server.hold_next = True
    first = start_worker(broker_env, tmp_path / "first.log", name="doomed")
    processes.append(first)
    wait_for_worker(tmp_path / "first.log")
    publish(redis_server.url, task, kwargs)

    wait_until(lambda: smtp_server.holding, 60, "the worker to be mid-send")
    os.killpg(first.pid, signal.SIGKILL)  # the whole worker, parent and child, as the OOM killer would
    first.wait(timeout=10)
    smtp_server.released = True

    second_log = tmp_path / "second.log"
    processes.append(start_worker(broker_env, second_log, name="survivor"))
    wait_until(lambda: all(smtp_server.to(address) >= 1 for address in recipients), 120, "every recipient's email")
    run_barrier(redis_server.url, second_log)

    assert len(smtp_server.dropped) == 1  # the message the killed worker was sending never arrived
    delivered = Counter(address for envelope in smtp_server.messages for address in envelope.rcpt_tos)
    assert set(recipients) <= set(delivered)
    assert smtp_server.dropped[0][0] in delivered  # the interrupted one was sent again, by the second worker
    assert all(count == 1 for count in delivered.values()), delivered


def test_task_past_the_visibility_timeout_is_not_sent_twice(
    world, referral, consent_for, redis_server, smtp_server, broker_env, processes, tmp_path
):
    task, kwargs, recipients = officer_notice(world, referral, consent_for)
    smtp_server.hold_next = True  # the first worker's send outlasts the 3-second visibility timeout
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    for name, log in zip(("one", "two"), logs, strict=True):
        processes.append(start_worker(broker_env, log, name=name))
        wait_for_worker(log)
    publish(redis_server.url, task, kwargs)
    wait_until(lambda: smtp_server.holding, 60, "the first worker to be mid-send")
    # Redis hands the unacknowledged task to the other worker while the first is still sending it.
    wait_until(lambda: sum(f"{task}[" in log.read_text(errors="replace") for log in logs) == 2, 60, "the task on both workers")
    smtp_server.hold_next = False
    smtp_server.released = True  # the held send is refused: the first worker's task fails and its retry follows

    wait_until(lambda: smtp_server.to(recipients[0]) >= 1, 120, "the notice email")
    # Both copies finish: one sent the email, the other (or the first one's retry) found it sent.
    wait_until(
        lambda: sum(log.read_text(errors="replace").count(" succeeded in ") for log in logs) >= 2,
        120,
        "both copies of the task to finish",
    )
    assert smtp_server.to(recipients[0]) == 1
    assert len(smtp_server.messages) == 1

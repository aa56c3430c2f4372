"""The outreach clock: a case past its 24-72 hours with no attempt escalates once per step, however often the job runs."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from deflection import health
from deflection.models import OutboxMessage
from deflection.tasks import heartbeat
from deflection.tests.workers import wait_for
from referrals.overdose import services, tasks
from referrals.overdose.models import EscalationLevel, OutreachCase, OutreachEscalation
from referrals.overdose.services import AttemptData

from .conftest import record

pytestmark = pytest.mark.django_db


def _run_and_deliver(times=1):
    """Run the beat job `times` times, then deliver the emails it queued (the outbox rows), twice each."""
    for _ in range(times):
        tasks.escalate_overdue_outreach()
    for message in OutboxMessage.objects.filter(task_name="referrals.overdose.tasks.email_outreach_escalation"):
        tasks.email_outreach_escalation(**message.kwargs)
        tasks.email_outreach_escalation(**message.kwargs)  # a redelivered task sends nothing twice


def test_escalation_run_twice_makes_one_escalation_and_one_email(qworld):
    overdose = record(qworld, hours_ago=25)  # the program's clock is 24 hours
    case = overdose.outreach_case
    _run_and_deliver(times=2)
    assert list(OutreachEscalation.objects.values_list("case_id", "level", "notified_id")) == [
        (case.pk, EscalationLevel.ON_CALL, qworld.on_call.pk)
    ]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [qworld.on_call.email]
    body = mail.outbox[0].body
    assert f"/overdose/outreach/{case.pk}/" in body and "Rosalind" not in body and "Mill Road" not in body
    case.refresh_from_db()
    assert case.escalation_level == 1 and case.is_overdue()


def test_coordinator_is_told_next_and_only_once(qworld):
    case = record(qworld, hours_ago=25).outreach_case
    _run_and_deliver()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=13)):
        _run_and_deliver(times=2)
    assert sorted(OutreachEscalation.objects.filter(case=case).values_list("level", flat=True)) == [1, 2]
    assert [m.to for m in mail.outbox] == [[qworld.on_call.email], [qworld.coordinator.email]]


def test_case_within_its_clock_or_with_an_attempt_does_not_escalate(qworld):
    record(qworld, hours_ago=23)
    attempted = record(qworld, hours_ago=30, first_name="Ottoline", last_name="Braxby").outreach_case
    services.outreach_attempt_record(
        case=attempted, by=qworld.case_manager, data=AttemptData(channel="phone", reached="nobody", result="no_answer")
    )
    assert services.outreach_escalate_overdue() == 0
    assert not OutreachEscalation.objects.exists()


def test_clock_is_the_programs_setting(qworld):
    qworld.settings.clock_hours = 72
    qworld.settings.save(update_fields=["clock_hours"])
    case = record(qworld, hours_ago=30).outreach_case
    assert services.outreach_escalate_overdue() == 0
    assert case.due_at - case.overdose.occurred_at == datetime.timedelta(hours=72)


@pytest.mark.worker
def test_escalation_through_a_real_worker_run_twice_escalates_once(qworld, celery_worker):
    """The beat task and its email through a real Celery worker over Redis, run twice: one escalation, one email."""
    case = record(qworld, hours_ago=30).outreach_case
    tasks.escalate_overdue_outreach.delay()
    tasks.escalate_overdue_outreach.delay()
    assert wait_for(lambda: OutreachEscalation.objects.filter(emailed_at__isnull=False).exists()), "no escalation email"
    # One queue, taken in order: once a heartbeat sent now has run, everything queued before it has run too.
    redis = health._redis()
    redis.delete(health.HEARTBEAT_KEY)
    heartbeat.delay()
    assert wait_for(lambda: redis.get(health.HEARTBEAT_KEY) is not None), "the worker never drained its queue"
    assert OutreachEscalation.objects.filter(case=case).count() == 1
    assert OutreachCase.objects.get(pk=case.pk).escalation_level == 1
    assert [m.to for m in mail.outbox] == [[qworld.on_call.email]]


def test_an_old_overdose_imported_today_is_backlog_not_an_escalation(qworld):
    record(qworld, hours_ago=24 * 10)
    assert services.outreach_escalate_overdue() == 0

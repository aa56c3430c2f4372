"""The 48-hour clock's alarm: an acute situation with no intervention is flagged once and its lead agency told once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from deflection import health
from deflection.audit import AuditContext
from deflection.models import OutboxMessage
from deflection.tasks import heartbeat
from deflection.tests.workers import wait_for
from referrals.hub import services, tasks
from referrals.hub.models import Situation
from referrals.hub.tests.conftest import IDENTITY, decide_acute, present

TASK = "referrals.hub.tasks.email_overdue_intervention"


def _overdue(hub):
    situation = decide_acute(hub, present(hub))
    services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    return situation


def _deliver():
    for message in OutboxMessage.objects.filter(task_name=TASK):
        tasks.email_overdue_intervention(**message.kwargs)
        tasks.email_overdue_intervention(**message.kwargs)  # a redelivered task sends nothing twice


def test_run_twice_flags_once_and_emails_the_lead_and_the_chair_once(hub):
    overdue = _overdue(hub)
    on_time = decide_acute(hub, present(hub))
    services.intervention_record(situation=on_time, took_part=[hub.provider], audit=AuditContext(actor=hub.case_manager))
    running = decide_acute(hub, present(hub))
    with time_machine.travel(overdue.decided_at + timedelta(hours=48, minutes=5)):
        # `running` was decided a moment later, so both are past; record it just in time to leave it out.
        services.intervention_record(situation=running, took_part=[hub.provider], audit=AuditContext(actor=hub.case_manager))
        assert tasks.flag_overdue_interventions() == 1
        assert tasks.flag_overdue_interventions() == 0
    _deliver()
    assert OutboxMessage.objects.filter(task_name=TASK).count() == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert set(email.to) == {hub.case_manager.email, hub.coordinator.email}  # the lead's representative and the chair
    assert f"/hub/situations/{overdue.pk}/" in email.body and overdue.reference in email.subject
    assert IDENTITY["last_name"] not in email.body + email.subject
    assert Situation.objects.get(pk=overdue.pk).overdue_emailed_at is not None


def test_nothing_is_flagged_within_48_hours(hub):
    situation = decide_acute(hub, present(hub))
    with time_machine.travel(situation.decided_at + timedelta(hours=47)):
        assert services.interventions_flag_overdue() == 0


@pytest.mark.worker
def test_the_alarm_through_a_real_worker_run_twice_emails_once(hub, celery_worker):
    situation = _overdue(hub)
    Situation.objects.filter(pk=situation.pk).update(intervention_due_at=situation.decided_at - timedelta(minutes=1))
    tasks.flag_overdue_interventions.delay()
    tasks.flag_overdue_interventions.delay()
    assert wait_for(lambda: Situation.objects.filter(overdue_emailed_at__isnull=False).exists()), "no overdue email"
    # One queue, taken in order: once a heartbeat sent now has run, everything queued before it has run too.
    redis = health._redis()
    redis.delete(health.HEARTBEAT_KEY)
    heartbeat.delay()
    assert wait_for(lambda: redis.get(health.HEARTBEAT_KEY) is not None), "the worker never drained its queue"
    assert len(mail.outbox) == 1

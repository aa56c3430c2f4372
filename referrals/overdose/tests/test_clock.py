"""The outreach clock: a case past its 24-72 hours with no attempt escalates once per step, however often the job runs.

The clock is referrals.clocks' (referrals/overdose/clock.py, in the registry): beat's one escalation
task runs it with the referral clocks, through the same engine, Escalation and EscalationNotice.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deflection import health
from deflection.models import OutboxMessage
from deflection.tasks import heartbeat
from deflection.tests.workers import wait_for
from referrals import tasks
from referrals.clocks import engine
from referrals.clocks.models import Escalation, EscalationLevel, EscalationNotice, OnCallShift
from referrals.clocks.registry import BY_NAME
from referrals.overdose import services
from referrals.overdose.clock import OUTREACH, OUTREACH_CLOCK
from referrals.overdose.models import OutreachCase
from referrals.overdose.services import AttemptData

from .conftest import record

pytestmark = pytest.mark.django_db


def _run_and_deliver(times=1):
    """Run the beat job `times` times, then deliver the emails it queued (the outbox rows), twice each."""
    for _ in range(times):
        tasks.escalate_overdue()
    for message in OutboxMessage.objects.filter(task_name=engine.EMAIL_TASK):
        tasks.email_escalation_notice(**message.kwargs)
        tasks.email_escalation_notice(**message.kwargs)  # a redelivered task sends nothing twice


def _escalations():
    return list(
        Escalation.objects.filter(clock=OUTREACH_CLOCK).order_by("level").values_list("subject_id", "level", "notices__recipient")
    )


def test_the_outreach_clock_is_registered_with_the_case_work_clocks():
    assert BY_NAME[OUTREACH_CLOCK] is OUTREACH


def test_escalation_run_twice_makes_one_escalation_and_one_email(qworld):
    overdose = record(qworld, hours_ago=25)  # the program's clock is 24 hours
    case = overdose.outreach_case
    _run_and_deliver(times=2)
    assert _escalations() == [(case.pk, EscalationLevel.ON_CALL, qworld.on_call.pk)]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [qworld.on_call.email]
    body = mail.outbox[0].body
    # A link only (SECURITY.md 12): no name, no place, no case reference.
    assert reverse("referrals:escalations") in body
    assert "Rosalind" not in body and "Mill Road" not in body and f"QRT-{case.pk}" not in body
    case.refresh_from_db()
    assert case.is_overdue()


def test_the_providers_on_call_case_manager_comes_first(qworld):
    """The same rule as the case-work clocks: whoever is on call at the provider, then the QRT's own on-call."""
    rota = qworld.case_manager
    now = timezone.now()
    OnCallShift.objects.create(
        agency=qworld.provider,
        case_manager=rota,
        starts_at=now - datetime.timedelta(hours=2),
        ends_at=now + datetime.timedelta(hours=2),
        created_by=qworld.coordinator,
    )
    case = record(qworld, hours_ago=25).outreach_case
    assert engine.escalations_run(clock=OUTREACH, program=qworld.program) == 1
    assert _escalations() == [(case.pk, EscalationLevel.ON_CALL, rota.pk)]


def test_coordinator_is_told_next_and_only_once(qworld):
    case = record(qworld, hours_ago=25).outreach_case
    _run_and_deliver()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=13)):
        _run_and_deliver(times=2)
    assert sorted(Escalation.objects.filter(clock=OUTREACH_CLOCK, subject_id=case.pk).values_list("level", flat=True)) == [1, 2]
    assert [m.to for m in mail.outbox] == [[qworld.on_call.email], [qworld.coordinator.email]]


def test_case_within_its_clock_or_with_an_attempt_does_not_escalate(qworld):
    record(qworld, hours_ago=23)
    attempted = record(qworld, hours_ago=30, first_name="Ottoline", last_name="Braxby").outreach_case
    services.outreach_attempt_record(
        case=attempted, by=qworld.case_manager, data=AttemptData(channel="phone", reached="nobody", result="no_answer")
    )
    assert engine.escalations_run(clock=OUTREACH, program=qworld.program) == 0
    assert not Escalation.objects.exists()


def test_an_attempt_after_the_escalation_marks_it_met(qworld):
    case = record(qworld, hours_ago=25).outreach_case
    engine.escalations_run(clock=OUTREACH, program=qworld.program)
    services.outreach_attempt_record(
        case=case, by=qworld.case_manager, data=AttemptData(channel="phone", reached="nobody", result="no_answer")
    )
    assert engine.escalations_run(clock=OUTREACH, program=qworld.program) == 0
    assert Escalation.objects.get(clock=OUTREACH_CLOCK).resolved_at is not None


def test_clock_is_the_programs_setting(qworld):
    qworld.settings.clock_hours = 72
    qworld.settings.save(update_fields=["clock_hours"])
    case = record(qworld, hours_ago=30).outreach_case
    assert engine.escalations_run(clock=OUTREACH, program=qworld.program) == 0
    assert case.due_at - case.overdose.occurred_at == datetime.timedelta(hours=72)


def test_the_escalations_page_and_the_queue_show_the_outreach_escalation(client, qworld):
    case = record(qworld, hours_ago=25).outreach_case
    engine.escalations_run(clock=OUTREACH, program=qworld.program)
    client.force_login(qworld.on_call)
    html = client.get(reverse("referrals:escalations")).content.decode()
    assert f"QRT-{case.pk}" in html and OUTREACH.label in html
    assert reverse("overdose:case", args=[case.pk]) in html  # the provider's case manager opens the case
    assert "Rosalind" not in html
    assert EscalationNotice.objects.get().read_at is not None
    queue = client.get(reverse("overdose:queue")).content.decode()
    assert "escalated" in queue


@pytest.mark.worker
def test_escalation_through_a_real_worker_run_twice_escalates_once(qworld, celery_worker):
    """The beat task and its email through a real Celery worker over Redis, run twice: one escalation, one email."""
    case = record(qworld, hours_ago=30).outreach_case
    tasks.escalate_overdue.delay()
    tasks.escalate_overdue.delay()
    assert wait_for(lambda: EscalationNotice.objects.filter(emailed_at__isnull=False).exists()), "no escalation email"
    # One queue, taken in order: once a heartbeat sent now has run, everything queued before it has run too.
    redis = health._redis()
    redis.delete(health.HEARTBEAT_KEY)
    heartbeat.delay()
    assert wait_for(lambda: redis.get(health.HEARTBEAT_KEY) is not None), "the worker never drained its queue"
    assert Escalation.objects.filter(clock=OUTREACH_CLOCK, subject_id=case.pk).count() == 1
    assert OutreachCase.objects.get(pk=case.pk).is_overdue()
    assert [m.to for m in mail.outbox] == [[qworld.on_call.email]]


def test_an_old_overdose_imported_today_is_backlog_not_an_escalation(qworld):
    record(qworld, hours_ago=24 * 10)
    assert engine.escalations_run(clock=OUTREACH, program=qworld.program) == 0

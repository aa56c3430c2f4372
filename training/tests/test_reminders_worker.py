"""The weekly reminder job, run twice on a real Celery worker over real Redis, sends one email per person."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from deflection import health
from deflection.models import OutboxMessage, OutboxStatus
from deflection.tasks import heartbeat
from deflection.tests.workers import wait_for
from training.models import Reminder, ReminderStatus
from training.tasks import send_training_reminders
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory

pytestmark = pytest.mark.worker


def settled() -> bool:
    return (
        Reminder.objects.exists()
        and not Reminder.objects.exclude(status=ReminderStatus.SENT).exists()
        and not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
    )


def test_weekly_job_run_twice_sends_one_email_per_person(world, celery_worker):
    course = CourseFactory(program=world.program, refresher_months=12)
    second = CourseFactory(program=world.program, refresher_months=24)
    long_ago = timezone.now() - timedelta(days=800)
    for user in (world.officer, world.dispatcher):
        AttendanceFactory(session=SessionFactory(course=course, starts_at=long_ago), user=user)
        AttendanceFactory(session=SessionFactory(course=second, starts_at=long_ago), user=user)
    recent = timezone.now() - timedelta(days=30)
    for user in (world.other_officer, world.supervisor, world.command, world.deputy):
        AttendanceFactory(session=SessionFactory(course=course, starts_at=recent), user=user)
        AttendanceFactory(session=SessionFactory(course=second, starts_at=recent), user=user)

    send_training_reminders.delay()
    send_training_reminders.delay()
    assert wait_for(settled), "the reminders were not all sent"
    # The worker takes tasks in order from one queue: once a heartbeat sent now has run,
    # every task queued before it (both runs and all the emails they queued) has run too.
    redis = health._redis()
    redis.delete(health.HEARTBEAT_KEY)
    heartbeat.delay()
    assert wait_for(lambda: redis.get(health.HEARTBEAT_KEY) is not None), "the worker never drained its queue"

    recipients = Counter(address for message in mail.outbox for address in message.to)
    assert recipients == Counter({world.officer.email: 1, world.dispatcher.email: 1})
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 4  # two courses each, one email each

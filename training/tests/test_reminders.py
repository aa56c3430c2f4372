"""Weekly reminders: who gets one, one email per person per week, a link and no names."""

import smtplib
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from deflection.mail import EMAIL_TASKS
from deflection.models import Membership, OutboxMessage
from training import tasks
from training.models import ComplianceStatus, Reminder, ReminderStatus
from training.services import reminder_send, reminders_plan, reminders_queue_weekly, week_of
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory

NOW = datetime(2025, 9, 10, 15, 0, tzinfo=UTC)  # a Wednesday
WEEK = date(2025, 9, 8)


@pytest.fixture
def due_world(world):
    """Officer overdue, dispatcher due in 20 days, supervisor in date, command never took it."""
    course = CourseFactory(program=world.program, title="Naloxone administration", refresher_months=12)
    CourseFactory(program=world.program, title="Optional", required_roles=[])
    for user, held in [
        (world.officer, datetime(2024, 8, 1, 15, 0, tzinfo=UTC)),
        (world.dispatcher, datetime(2024, 9, 30, 15, 0, tzinfo=UTC)),
        (world.supervisor, datetime(2025, 6, 1, 15, 0, tzinfo=UTC)),
        (world.other_officer, datetime(2025, 6, 1, 15, 0, tzinfo=UTC)),
        (world.deputy, datetime(2025, 6, 1, 15, 0, tzinfo=UTC)),
    ]:
        AttendanceFactory(session=SessionFactory(course=course, starts_at=held), user=user)
    return course


def test_week_key_is_the_monday():
    assert [week_of(date(2025, 9, d)) for d in (8, 10, 14, 15)] == [WEEK, WEEK, WEEK, date(2025, 9, 15)]
    assert week_of(date(2026, 1, 1)) == date(2025, 12, 29)  # the week straddles the year end


def test_plan_makes_one_row_per_person_and_due_course(world, due_world):
    with time_machine.travel(NOW, tick=False):
        assert reminders_plan() == WEEK
        reminders_plan()  # a retry adds nothing
    rows = {(r.user.username, r.standing, r.due_on) for r in Reminder.objects.select_related("user")}
    assert rows == {
        ("officer", ComplianceStatus.OVERDUE, date(2025, 8, 1)),
        ("dispatcher", ComplianceStatus.DUE_SOON, date(2025, 9, 30)),
        ("command", ComplianceStatus.NEVER, None),
    }
    assert set(Reminder.objects.values_list("week", "status")) == {(WEEK, ReminderStatus.PENDING)}


def test_people_who_left_get_no_reminder(world, due_world):
    Membership.objects.filter(user=world.command).update(is_active=False)
    with time_machine.travel(NOW, tick=False):
        reminders_plan()
    assert not Reminder.objects.filter(user=world.command).exists()


def test_queueing_puts_one_task_per_person_in_the_outbox(world, due_world, django_capture_on_commit_callbacks):
    # The callbacks are captured, not run: nothing reaches the broker from a unit test.
    with django_capture_on_commit_callbacks(execute=False), time_machine.travel(NOW, tick=False):
        assert reminders_queue_weekly() == 3
    messages = OutboxMessage.objects.filter(task_name="training.tasks.send_training_reminder")
    assert sorted(m.kwargs["user_id"] for m in messages) == sorted([world.officer.pk, world.dispatcher.pk, world.command.pk])
    assert {m.kwargs["week"] for m in messages} == {"2025-09-08"}


def test_one_email_per_person_with_a_link_and_no_names(world, due_world):
    second_course = CourseFactory(program=world.program, title="Procedures", refresher_months=12)
    assert second_course.is_required_for({"officer"})
    with time_machine.travel(NOW, tick=False):
        reminders_plan()
        assert Reminder.objects.filter(user=world.officer).count() == 2
        assert reminder_send(user_id=world.officer.pk, week=WEEK) == 2
        assert reminder_send(user_id=world.officer.pk, week=WEEK) == 0  # a redelivered task
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [world.officer.email]
    assert f"{settings.SITE_URL}/training/" in email.body
    for text in (email.subject, email.body):
        assert world.officer.first_name not in text
        assert world.officer.last_name not in text
        assert world.officer.username not in text
    assert set(Reminder.objects.filter(user=world.officer).values_list("status", flat=True)) == {ReminderStatus.SENT}


def test_the_next_week_brings_a_new_reminder(world, due_world):
    with time_machine.travel(NOW, tick=False):
        reminders_plan()
        reminder_send(user_id=world.officer.pk, week=WEEK)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        next_week = reminders_plan()
        reminder_send(user_id=world.officer.pk, week=next_week)
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(user=world.officer, status=ReminderStatus.SENT).count() == 2


def test_a_refused_email_is_released_for_the_retry(world, due_world):
    with time_machine.travel(NOW, tick=False):
        reminders_plan()
        with mock.patch("training.services.send_mail", side_effect=smtplib.SMTPServerDisconnected("down")):
            with pytest.raises(smtplib.SMTPServerDisconnected):
                reminder_send(user_id=world.officer.pk, week=WEEK)
        assert Reminder.objects.get(user=world.officer).status == ReminderStatus.PENDING
        assert reminder_send(user_id=world.officer.pk, week=WEEK) == 1
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_killed_worker_is_not_sent_again(world, due_world):
    with time_machine.travel(NOW, tick=False):
        reminders_plan()
        Reminder.objects.filter(user=world.officer).update(status=ReminderStatus.SENDING)
        assert reminder_send(user_id=world.officer.pk, week=WEEK) == 0
    assert mail.outbox == []


def test_the_reminder_tasks_have_time_limits_and_retry():
    for task in (tasks.send_training_reminders, tasks.send_training_reminder):
        assert task.soft_time_limit < task.time_limit
        assert task.max_retries
    assert tasks.send_training_reminders.autoretry_for
    assert tasks.send_training_reminder.name in EMAIL_TASKS  # SMTP trouble retried with backoff (deflection/mail.py)

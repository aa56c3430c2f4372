"""Coordinators set up a survey (seeded with the checklist's questions); its one reminder is queued when it opens."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from django.utils import timezone

from deflection.errors import ServiceError
from deflection.models import AuditEvent, OutboxMessage
from feedback import services
from feedback.models import QuestionKind, Survey
from feedback.services import CHECKLIST_OPEN_QUESTIONS
from feedback.tasks import remind_opened_surveys

CHICAGO = ZoneInfo("America/Chicago")


def _form(world, opens: datetime, closes: datetime, **extra):
    data = {
        "program": world.program.pk,
        "title": "Spring survey",
        "intro": "",
        "anonymous": "on",
        "roles": ["officer", "dispatcher"],
        "agencies": [world.police.pk, world.sheriff.pk],
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
        "scale_questions": "How easy is a referral?",
        "open_questions": "\n".join(CHECKLIST_OPEN_QUESTIONS),
    }
    data.update(extra)
    return data


def test_form_is_seeded_with_the_checklists_questions(client, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("feedback:survey_new")).content.decode()
    assert "What would encourage colleagues to participate?" in page
    assert "How would you improve the process?" in page


# A fixed ordinary day: "five minutes ago" typed during the hour that repeats when daylight saving
# time ends is ambiguous, and the form refuses it (as it should).
@time_machine.travel(datetime(2026, 6, 15, 15, 0, tzinfo=UTC), tick=True)
def test_coordinator_creates_an_open_survey_and_its_reminder_is_queued_once(client, world):
    client.force_login(world.coordinator)
    now = timezone.now().astimezone(CHICAGO)
    response = client.post(reverse("feedback:survey_new"), _form(world, now - timedelta(minutes=5), now + timedelta(days=14)))
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert survey.anonymous and survey.audience_roles == ["dispatcher", "officer"]
    assert set(survey.audience_agencies.all()) == {world.police, world.sheriff}
    assert [(q.kind, q.text) for q in survey.questions.order_by("position")] == [
        (QuestionKind.SCALE, "How easy is a referral?"),
        (QuestionKind.OPEN, CHECKLIST_OPEN_QUESTIONS[0]),
        (QuestionKind.OPEN, CHECKLIST_OPEN_QUESTIONS[1]),
    ]
    message = OutboxMessage.objects.get(task_name="feedback.tasks.send_survey_reminders")
    assert message.kwargs == {"survey_id": survey.pk}
    assert AuditEvent.objects.filter(action="feedback.survey.create", actor=world.coordinator).exists()
    # Asking again queues nothing more.
    assert services.survey_reminders_enqueue(survey=survey) is False
    assert OutboxMessage.objects.filter(task_name="feedback.tasks.send_survey_reminders").count() == 1


def test_times_are_read_in_the_programs_time_zone(client, world):
    client.force_login(world.coordinator)
    client.post(
        reverse("feedback:survey_new"),
        _form(world, datetime(2030, 3, 2, 7, 0), datetime(2030, 3, 16, 17, 0)),
    )
    survey = Survey.objects.get()
    assert survey.opens_at == datetime(2030, 3, 2, 7, 0, tzinfo=CHICAGO)


def test_a_survey_opening_later_is_reminded_by_the_periodic_job_when_it_opens(world):
    opens = timezone.now() + timedelta(days=2)
    survey = services.survey_create(
        program=world.program,
        created_by=world.coordinator,
        title="Later",
        anonymous=True,
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
        roles=["officer"],
        agencies=[world.police],
        scale_questions=[],
        open_questions=CHECKLIST_OPEN_QUESTIONS,
    )
    assert not OutboxMessage.objects.exists()
    assert remind_opened_surveys() == 0
    with time_machine.travel(opens + timedelta(minutes=1)):
        assert remind_opened_surveys() == 1
        assert remind_opened_surveys() == 0
    assert OutboxMessage.objects.get().kwargs == {"survey_id": survey.pk}


def test_closing_before_opening_is_a_400_with_a_message(client, world):
    client.force_login(world.coordinator)
    now = timezone.now().astimezone(CHICAGO)
    response = client.post(reverse("feedback:survey_new"), _form(world, now + timedelta(days=3), now + timedelta(days=1)))
    assert response.status_code == 400
    assert "The survey must close after it opens." in response.content.decode()
    assert not Survey.objects.exists()


def test_an_agency_outside_the_program_is_refused(world):
    now = timezone.now()
    try:
        services.survey_create(
            program=world.program,
            created_by=world.coordinator,
            title="x",
            anonymous=True,
            opens_at=now,
            closes_at=now + timedelta(days=1),
            roles=["officer"],
            agencies=[world.outsider_agency],
            scale_questions=["q"],
            open_questions=[],
        )
    except ServiceError as error:
        assert "program's agencies" in error.message
    else:
        raise AssertionError("an outside agency was accepted")


def test_officer_cannot_create_surveys(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("feedback:survey_new")).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=world.officer).exists()

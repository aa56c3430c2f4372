"""survey_reminders_send: one email per person in the audience, with a link and no names; safe to run twice."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from deflection.models import Role
from feedback import services
from feedback.models import ReminderStatus, SurveyParticipation, SurveyReminder
from feedback.tests.factories import SurveyFactory


def test_each_person_in_the_audience_gets_one_email_even_when_run_twice(world):
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER, Role.DISPATCHER])
    assert services.survey_reminders_send(survey_id=survey.pk) == 3  # officer, officer2, dispatcher
    assert services.survey_reminders_send(survey_id=survey.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.officer.email, world.other_officer.email, world.dispatcher.email]
    )


def test_the_email_has_a_link_and_no_names(world, settings):
    settings.SITE_URL = "https://deflection.example.org"
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER], title="Harlan survey by Sgt Brooks")
    services.survey_reminders_send(survey_id=survey.pk)
    body = mail.outbox[0].body
    assert f"https://deflection.example.org/feedback/surveys/{survey.pk}/" in body
    for person in (world.officer, world.other_officer, world.coordinator):
        for name in (person.first_name, person.last_name, person.username):
            assert name not in body and name not in mail.outbox[0].subject
    assert "Brooks" not in body  # not even the title, which a coordinator may have written anything into


def test_people_who_already_answered_are_not_reminded(world):
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER])
    SurveyParticipation.objects.create(survey=survey, user=world.officer)
    services.survey_reminders_send(survey_id=survey.pk)
    assert [m.to[0] for m in mail.outbox] == [world.other_officer.email]


def test_a_closed_survey_sends_nothing(world):
    survey = SurveyFactory(
        program=world.program, opens_at=timezone.now() - timedelta(days=5), closes_at=timezone.now() - timedelta(days=1)
    )
    assert services.survey_reminders_send(survey_id=survey.pk) == 0
    assert mail.outbox == []


def test_a_claimed_row_is_never_sent_again(world):
    """A row another worker claimed (or a killed worker left in `sending`) is skipped: no duplicate email."""
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER])
    SurveyReminder.objects.create(survey=survey, user=world.officer, status=ReminderStatus.SENDING)
    services.survey_reminders_send(survey_id=survey.pk)
    assert [m.to[0] for m in mail.outbox] == [world.other_officer.email]


def test_when_smtp_fails_the_row_is_handed_back_for_the_retry(world):
    survey = SurveyFactory(program=world.program, audience_roles=[Role.DISPATCHER])
    with mock.patch("feedback.services.assessment.send_mail", side_effect=ConnectionRefusedError), pytest.raises(OSError):
        services.survey_reminders_send(survey_id=survey.pk)
    assert SurveyReminder.objects.get().status == ReminderStatus.PENDING
    assert services.survey_reminders_send(survey_id=survey.pk) == 1
    assert SurveyReminder.objects.get().status == ReminderStatus.SENT

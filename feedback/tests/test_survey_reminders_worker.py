"""The reminder job on a real Celery worker against real Redis: delivered twice, it emails each person once."""

import pytest
from django.core import mail
from django.db import transaction

from deflection.models import Role
from deflection.outbox import enqueue
from deflection.tests.workers import wait_for
from feedback.models import ReminderStatus, SurveyReminder
from feedback.tests.factories import SurveyFactory

pytestmark = pytest.mark.worker

TASK = "feedback.tasks.send_survey_reminders"


def test_reminder_job_run_twice_sends_one_email_per_person_with_a_link_and_no_names(world, celery_worker, finished_tasks):
    survey = SurveyFactory(program=world.program, audience_roles=[Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR])
    audience = [world.officer, world.other_officer, world.dispatcher, world.supervisor]
    for _ in range(2):
        with transaction.atomic():
            enqueue(TASK, survey_id=survey.pk)
    assert wait_for(lambda: finished_tasks.count(TASK) >= 2), "the worker did not run the job twice"

    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in audience)
    assert SurveyReminder.objects.filter(status=ReminderStatus.SENT).count() == len(audience)
    for message in mail.outbox:
        assert f"/feedback/surveys/{survey.pk}/" in message.body
        for person in audience:
            assert person.first_name not in message.body and person.last_name not in message.body
            assert person.username not in message.body

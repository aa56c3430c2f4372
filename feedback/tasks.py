"""Background jobs for the feedback app: thin wrappers that take ids and call services."""

from celery import shared_task

from deflection.mail import email_task
from feedback import services
from feedback.models import CaseManagerMessage, Survey


def _survey(survey_id: int) -> tuple[str, int | None]:
    survey = Survey.objects.only("title", "program_id").get(pk=survey_id)
    return f"Survey reminders: {survey.title}", survey.program_id


# SMTP trouble, or a large audience outlasting the time limit: the row in hand was handed back to
# pending and the sent ones are marked sent, so the retry (deflection/mail.py) carries on where this stopped.
@email_task(label="Survey reminders", about=_survey, soft_time_limit=120, time_limit=150)
def send_survey_reminders(survey_id: int) -> int:
    return services.survey_reminders_send(survey_id=survey_id)


@shared_task(soft_time_limit=60, time_limit=90)
def remind_opened_surveys() -> int:
    """Periodic: queue the reminder for surveys whose window has begun since they were set up."""
    return services.survey_reminders_enqueue_due()


@shared_task(soft_time_limit=120, time_limit=150)
def publish_anonymous_submissions() -> int:
    """Periodic: publish anonymous suggestions of finished days and answers to closed surveys, shuffled."""
    return services.anonymous_submissions_publish()


@shared_task(soft_time_limit=60, time_limit=90)
def audit_anonymous_suggestions() -> int:
    """Periodic: one audit record per program per finished day counting its anonymous suggestions."""
    return services.audit_anonymous_suggestions()


def _message(message_id: int) -> tuple[str, int | None]:
    message = CaseManagerMessage.objects.select_related("referral").get(pk=message_id)
    return f"Case manager's message about {message.referral.reference}", message.referral.program_id


@email_task(label="A case manager's message", about=_message, time_limit=45)
def email_case_manager_message(message_id: int) -> bool:
    """Tell the officer a case manager's message is waiting (a link only); sent once per message."""
    return services.message_email_send(message_id=message_id)


# SMTP trouble, or many officers outlasting the time limit: sent rows are marked sent and the row in
# hand went back to pending, so the retry carries on where this run stopped. Every program's officers.
@email_task(label="Officers' weekly digests", soft_time_limit=300, time_limit=360)
def send_weekly_digests() -> int:
    """Periodic: one digest per officer per week (counts and a link), only to officers with something new."""
    return services.weekly_digests_send()


@shared_task(soft_time_limit=300, time_limit=360)
def apply_feedback_retention() -> int:
    """Nightly, after referrals' retention job: delete messages and letters about de-identified records."""
    return services.retention_apply_feedback()

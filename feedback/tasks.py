"""Background jobs for the feedback app: thin wrappers that take ids and call services."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from feedback import services


@shared_task(
    soft_time_limit=120,
    time_limit=150,
    # SMTP down, or a large audience outlasting the time limit: the row in hand was handed back
    # to pending and the sent ones are marked sent, so the retry carries on where this run stopped.
    autoretry_for=(OSError, SoftTimeLimitExceeded),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
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


@shared_task(
    soft_time_limit=30,
    time_limit=45,
    # SMTP down: the row was handed back to pending, so the retry sends it.
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def email_case_manager_message(message_id: int) -> bool:
    """Tell the officer a case manager's message is waiting (a link only); sent once per message."""
    return services.message_email_send(message_id=message_id)


@shared_task(
    soft_time_limit=300,
    time_limit=360,
    # SMTP down, or many officers outlasting the time limit: sent rows are marked sent and the row
    # in hand went back to pending, so the retry carries on where this run stopped.
    autoretry_for=(OSError, SoftTimeLimitExceeded),
    retry_backoff=60,
    retry_kwargs={"max_retries": 5},
)
def send_weekly_digests() -> int:
    """Periodic: one digest per officer per week (counts and a link), only to officers with something new."""
    return services.weekly_digests_send()


@shared_task(soft_time_limit=300, time_limit=360)
def apply_feedback_retention() -> int:
    """Nightly, after referrals' retention job: delete messages and letters about de-identified records."""
    return services.retention_apply_feedback()

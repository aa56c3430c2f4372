"""A mail server that answers 421 and then 250: the officer's notice is delivered once, and the retry is
recorded on the notice (issue 15). Real processes: a Celery worker on a throwaway Redis, and aiosmtpd."""

import pytest

from faults.processes import app_env, start_worker, wait_for_worker, wait_until
from faults.test_worker_kill import officer_notice, publish
from referrals.models import OfficerNotice

pytestmark = pytest.mark.fault


def test_421_then_250_delivers_once_with_the_retry_recorded(
    world, referral, consent_for, redis_server, smtp_server, test_database_url, processes, tmp_path
):
    env = app_env(
        database_url=test_database_url,
        redis_url=redis_server.url,
        email_port=smtp_server.port,
        EMAIL_RETRY_BACKOFF_SECONDS="1",
    )
    task, kwargs, recipients = officer_notice(world, referral, consent_for)
    smtp_server.replies = ["421 4.3.2 Service shutting down, try again later"]
    processes.append(start_worker(env, tmp_path / "worker.log", name="mail"))
    wait_for_worker(tmp_path / "worker.log")
    publish(redis_server.url, task, kwargs)

    wait_until(lambda: smtp_server.to(recipients[0]) >= 1, 60, "the notice email")
    notice = OfficerNotice.objects.get(pk=kwargs["notice_id"])
    wait_until(lambda: OfficerNotice.objects.get(pk=notice.pk).email_attempts == 2, 30, "the attempt to be recorded")
    notice.refresh_from_db()
    assert smtp_server.refused == ["421 4.3.2 Service shutting down, try again later"]
    assert smtp_server.to(recipients[0]) == 1
    assert notice.emailed_at is not None and notice.email_failed_at is None
    assert notice.email_last_error == "421 SMTPDataError"
    assert " retry: Retry in 1s" in (tmp_path / "worker.log").read_text(errors="replace")

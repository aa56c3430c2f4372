"""A mail server that answers 421 and then 250, in front of every email task: each recipient gets the email
once, and the retry is recorded (issue 15; deflection/mail.py). Real processes: a Celery worker on a
throwaway Redis, and the aiosmtpd server of the `smtp_server` fixture."""

import pytest

from deflection.models import MailStatus, OutboundMail
from faults.email_tasks import SCENARIOS
from faults.processes import app_env, start_worker, wait_for_worker, wait_until
from faults.test_worker_kill import publish, run_barrier

pytestmark = pytest.mark.fault

REFUSAL = "421 4.3.2 Service shutting down, try again later"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_421_then_250_delivers_once_with_the_retry_recorded(
    scenario, request, redis_server, smtp_server, test_database_url, processes, tmp_path
):
    env = app_env(
        database_url=test_database_url,
        redis_url=redis_server.url,
        email_port=smtp_server.port,
        EMAIL_RETRY_BACKOFF_SECONDS="1",
    )
    task, kwargs, recipients = SCENARIOS[scenario](request.getfixturevalue)
    smtp_server.replies = [REFUSAL]
    log = tmp_path / "worker.log"
    processes.append(start_worker(env, log, name="mail"))
    wait_for_worker(log)
    publish(redis_server.url, task, kwargs)

    wait_until(lambda: all(smtp_server.to(address) >= 1 for address in recipients), 90, "every recipient's email")
    retried = OutboundMail.objects.filter(status=MailStatus.SENT, attempts=2, last_error="421 SMTPDataError")
    wait_until(retried.exists, 30, "the retry to be recorded")
    run_barrier(redis_server.url, log)

    assert smtp_server.refused == [REFUSAL]
    assert all(smtp_server.to(address) == 1 for address in recipients), [smtp_server.to(a) for a in recipients]
    assert OutboundMail.objects.count() == 1
    assert " retry: Retry in 1s" in log.read_text(errors="replace")

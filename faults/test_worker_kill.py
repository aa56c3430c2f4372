"""A Celery worker SIGKILLed in the middle of sending an email: after redelivery every recipient has the
email exactly once (SECURITY.md 19; issue 15). And a task still running past Redis's visibility timeout,
handed to a second worker, sends nothing twice.

Real processes: Celery workers (prefork) on a throwaway Redis with a 3-second visibility timeout, the
pytest database, and an aiosmtpd server that holds one message's DATA unanswered while the test kills the
worker that is sending it, then refuses it (the sender never saw a 250, so nothing was delivered).
"""

import datetime
import os
import signal
import uuid
from collections import Counter

import psycopg
import pytest
from celery import Celery
from django.utils import timezone

from deflection.settings import kombu_url
from deflection.test_settings import _next_redis_db
from faults.email_tasks import SCENARIOS
from faults.processes import app_env, start_worker, wait_for_worker, wait_until
from referrals.tests.factories import ReferralFactory
from reports import services as reports_services
from reports.models import MonthRollup, MonthSummary, PublishedLevel, RollupBuild
from reports.periods import last_complete_month

pytestmark = pytest.mark.fault


def publish(redis_url: str, task: str, kwargs: dict) -> None:
    """Put a task on the throwaway broker, as the outbox relay would (test settings use the next db number)."""
    sender = Celery(broker=kombu_url(_next_redis_db(redis_url)))
    with sender.connection_for_write() as conn:
        sender.send_task(task, kwargs=kwargs, queue="deflection-test", connection=conn)


def run_barrier(redis_url: str, log) -> None:
    """The worker takes tasks in order: once this ping ran, any redelivered copy queued before it ran too."""
    token = uuid.uuid4().hex
    publish(redis_url, "deflection.tasks.ping", {"token": token})
    wait_until(lambda: token in log.read_text(errors="replace"), 60, "the barrier ping")


@pytest.fixture
def broker_env(redis_server, smtp_server, test_database_url):
    return app_env(
        database_url=test_database_url,
        redis_url=redis_server.url,
        email_port=smtp_server.port,
        BROKER_VISIBILITY_TIMEOUT="3",
        BROKER_RESTORE_SWEEP_SECONDS="1",
        EMAIL_RETRY_BACKOFF_SECONDS="1",
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_worker_killed_mid_send_delivers_every_email_exactly_once_after_redelivery(
    scenario, request, redis_server, smtp_server, broker_env, processes, tmp_path
):
    task, kwargs, recipients = SCENARIOS[scenario](request.getfixturevalue)
    smtp_server.hold_next = True
    first = start_worker(broker_env, tmp_path / "first.log", name="doomed")
    processes.append(first)
    wait_for_worker(tmp_path / "first.log")
    publish(redis_server.url, task, kwargs)

    wait_until(lambda: smtp_server.holding, 60, "the worker to be mid-send")
    os.killpg(first.pid, signal.SIGKILL)  # the whole worker, parent and child, as the OOM killer would
    first.wait(timeout=10)
    smtp_server.released = True

    second_log = tmp_path / "second.log"
    processes.append(start_worker(broker_env, second_log, name="survivor"))
    wait_until(lambda: all(smtp_server.to(address) >= 1 for address in recipients), 120, "every recipient's email")
    run_barrier(redis_server.url, second_log)

    assert len(smtp_server.dropped) == 1  # the message the killed worker was sending never arrived
    delivered = Counter(address for envelope in smtp_server.messages for address in envelope.rcpt_tos)
    assert set(recipients) <= set(delivered)
    assert smtp_server.dropped[0][0] in delivered  # the interrupted one was sent again, by the second worker
    assert all(count == 1 for count in delivered.values()), delivered


@pytest.mark.parametrize("scenario", ["officer notice", "quarterly newsletter"])
def test_task_past_the_visibility_timeout_is_not_sent_twice(
    scenario, request, redis_server, smtp_server, broker_env, processes, tmp_path
):
    task, kwargs, recipients = SCENARIOS[scenario](request.getfixturevalue)
    smtp_server.hold_next = True  # the first worker's send outlasts the 3-second visibility timeout
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    for name, log in zip(("one", "two"), logs, strict=True):
        processes.append(start_worker(broker_env, log, name=name))
        wait_for_worker(log)
    publish(redis_server.url, task, kwargs)
    wait_until(lambda: smtp_server.holding, 60, "the first worker to be mid-send")
    # Redis hands the unacknowledged task to the other worker while the first is still sending it.
    wait_until(lambda: sum(f"{task}[" in log.read_text(errors="replace") for log in logs) == 2, 60, "the task on both workers")
    smtp_server.hold_next = False
    smtp_server.released = True  # the held send is refused: the first worker's task fails and its retry follows

    wait_until(lambda: all(smtp_server.to(address) >= 1 for address in recipients), 120, "every recipient's email")
    # Both copies finish: one sent the email, the other (or the first one's retry) found it sent.
    wait_until(
        lambda: sum(log.read_text(errors="replace").count(" succeeded in ") for log in logs) >= 2,
        120,
        "both copies of the task to finish",
    )
    assert all(smtp_server.to(address) == 1 for address in recipients)
    assert len(smtp_server.messages) == len(recipients)


def _warm_state(program) -> dict:
    """What a warming run leaves behind that anyone can see: the rollups, their build rows, published levels."""
    rollups = list(MonthRollup.objects.filter(program=program).order_by("month", "officer_id", "agency_id").values())
    summaries = list(MonthSummary.objects.filter(program=program).order_by("month", "agency_id").values())
    for row in rollups + summaries:
        row.pop("id")
    return {
        "rollups": rollups,
        "summaries": summaries,
        "builds": list(RollupBuild.objects.filter(program=program).order_by("month").values_list("month", flat=True)),
        "levels": list(
            PublishedLevel.objects.filter(program=program).order_by("period", "officers").values_list("period", "officers")
        ),
    }


def test_warming_killed_mid_run_leaves_what_one_clean_run_leaves(world, redis_server, broker_env, processes, tmp_path):
    """The hourly report warming (it writes rollup rows and the cache) SIGKILLed part-way, then redelivered:
    no row is doubled, and the result is what one uninterrupted run makes."""
    program = world.program
    now = timezone.now()
    for days in (20, 45, 75, 105):
        ReferralFactory(
            program=program,
            officer=world.officer,
            agency=world.police,
            provider=world.provider,
            created_at=now - datetime.timedelta(days=days),
        )
    # Hold the lock the warming takes to count the month before last: the worker stops there, mid-run, with
    # the months it counted first (the last month, or the older ones of a longer period) already committed.
    held = last_complete_month(now, program.time_zone).previous()
    holder = psycopg.connect(broker_env["DATABASE_URL"], autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", [program.pk % 2**31, held.first_day.toordinal()])
        first = start_worker(broker_env, tmp_path / "first.log", name="doomed")
        processes.append(first)
        wait_for_worker(tmp_path / "first.log")
        publish(redis_server.url, "reports.tasks.warm_reports", {"program_id": program.pk})

        def waiting() -> bool:
            return holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0] > 0

        wait_until(waiting, 90, "the warming to wait on the month before last")
        committed = list(RollupBuild.objects.filter(program=program).values_list("month", flat=True))
        assert committed and held.first_day not in committed, "the kill must land part-way through the run"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        holder.close()

    second_log = tmp_path / "second.log"
    processes.append(start_worker(broker_env, second_log, name="survivor"))
    wait_until(
        lambda: "reports.tasks.warm_reports[" in second_log.read_text(errors="replace") if second_log.exists() else False,
        120,
        "the redelivered warming",
    )
    wait_until(lambda: " succeeded in " in second_log.read_text(errors="replace"), 300, "the redelivered warming to finish")
    after_redelivery = _warm_state(program)
    assert held.first_day in after_redelivery["builds"]

    reports_services.reports_warm(program_id=program.pk)  # a rerun changes nothing anyone sees
    assert _warm_state(program) == after_redelivery
    for model in (MonthRollup, MonthSummary, RollupBuild, PublishedLevel):
        model.objects.filter(program=program).delete()
    reports_services.reports_warm(program_id=program.pk)  # one clean, uninterrupted run
    assert _warm_state(program) == after_redelivery

"""Two beat processes started by mistake: only one sends the schedule, the other stands by and takes over
when the first stops; and the periodic jobs a doubled beat would run twice make one newsletter and one
digest per officer (issue 15)."""

import datetime
import signal
import threading
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from faults.processes import app_env, start_beat, stop_process, wait_until
from feedback import services as feedback_services
from feedback.models import DeliveryStatus, WeeklyDigest
from referrals.models import Status, StatusChange
from reports import services as reports_services
from reports.models import Newsletter

pytestmark = pytest.mark.fault

SENT = "Sending due task relay-outbox"


def test_second_beat_stands_by_and_takes_over_when_the_first_stops(redis_server, test_database_url, processes, tmp_path):
    env = app_env(database_url=test_database_url, redis_url=redis_server.url, OUTBOX_RELAY_SECONDS="1")
    logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    beats = [start_beat(env, log, tmp_path / f"schedule-{i}") for i, log in enumerate(logs)]
    processes.extend(beats)

    def sends(log) -> int:
        return log.read_text(errors="replace").count(SENT) if log.exists() else 0

    wait_until(lambda: max(sends(log) for log in logs) >= 4, 90, "one beat to send the relay four times")
    active = 0 if sends(logs[0]) else 1
    standby = 1 - active
    assert sends(logs[standby]) == 0
    assert "on standby" in logs[standby].read_text(errors="replace")

    stop_process(beats[active], signal.SIGTERM)  # a clean stop hands the lock over at once
    wait_until(lambda: sends(logs[standby]) >= 2, 90, "the standby beat to take over")


def _run_twice_at_once(job) -> list:
    """Run `job` in two threads at the same moment, as two beats' copies of one slot would on two workers."""
    results, errors, start = [], [], threading.Barrier(2)

    def run():
        try:
            start.wait()
            results.append(job())
        except Exception as exc:  # noqa: BLE001  (a unique key refusing the second copy is a fine outcome)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results + errors


def test_a_doubled_slot_makes_one_newsletter_and_one_digest_per_officer(
    world, referral, consent_for, mailoutbox, transactional_db
):
    local = zoneinfo.ZoneInfo(world.program.time_zone)
    first_of_month = timezone.localtime(timezone.now(), local).replace(day=1, hour=6, minute=5) + datetime.timedelta(days=32)
    first_of_month = first_of_month.replace(day=1)
    _run_twice_at_once(lambda: reports_services.newsletters_dispatch_monthly(now=first_of_month))
    assert Newsletter.objects.filter(program=world.program, kind="monthly").count() == 1

    _week, start, _end = feedback_services.digest_week(world.program, timezone.now())
    consent_for(referral, "active", "referring officer")
    StatusChange.objects.create(
        referral=referral, status=Status.ENGAGED, at=start + datetime.timedelta(days=2), by=world.case_manager
    )
    _run_twice_at_once(feedback_services.weekly_digests_send)
    assert WeeklyDigest.objects.filter(officer=world.officer, status=DeliveryStatus.SENT).count() == 1
    assert [message.to for message in mailoutbox] == [[world.officer.email]]

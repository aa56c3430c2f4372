"""The production topology on one machine: two gunicorn processes, two Celery workers and one beat on one
PostgreSQL behind PgBouncer in transaction pooling mode, and Redis. Under a short load of officers (each
submit also retried on the other web server) and case managers, every referral is saved once and every
officer notice email is sent once (issue 15).
"""

import threading
import uuid

import pytest
from django.urls import reverse

from faults.processes import (
    HttpSession,
    ThrowawayPgBouncer,
    app_env,
    signed_in_cookie,
    start_beat,
    start_gunicorn,
    start_worker,
    wait_for_worker,
    wait_until,
)
from faults.test_redis_outage import consent_form
from referrals.tests.conftest import referral_post

pytestmark = pytest.mark.fault

SUBMITS_PER_OFFICER = 6


def test_two_web_two_workers_one_beat_behind_pgbouncer_save_and_send_everything_once(
    rworld, postgres_server, redis_server, smtp_server, test_database_url, processes, tmp_path
):
    cookies = {user: signed_in_cookie(getattr(rworld, user)) for user in ("officer", "other_officer", "case_manager")}
    postgres_server.copy_database_from(test_database_url, "defl")
    bouncer = ThrowawayPgBouncer(postgres_server, "defl")
    processes.append(bouncer.proc)
    env = app_env(
        database_url=bouncer.url("defl"),
        redis_url=redis_server.url,
        email_port=smtp_server.port,
        DATABASE_POOLER="transaction",
        OUTBOX_RELAY_SECONDS="1",
    )
    ports = []
    for n in range(2):
        proc, port = start_gunicorn(env, tmp_path / f"web-{n}.log", workers=1, threads=4)
        processes.append(proc)
        ports.append(port)
    for n in range(2):
        processes.append(start_worker(env, tmp_path / f"worker-{n}.log", name=f"w{n}"))
    processes.append(start_beat(env, tmp_path / "beat.log", tmp_path / "beat-schedule"))
    for n in range(2):
        wait_for_worker(tmp_path / f"worker-{n}.log")

    def psql(sql: str) -> str:
        return postgres_server.psql("defl", sql).strip()

    # Each officer's person, once, with a consent naming the officer: later referrals are re-referrals of them.
    case_manager = [HttpSession(port, cookies["case_manager"]) for port in ports]
    people = {"officer": ("Jamie", "Rivera"), "other_officer": ("Robin", "Castellano")}
    for user, (first, last) in people.items():
        session = HttpSession(ports[0], cookies[user])
        status, _, headers = session.post_form(reverse("referrals:new"), referral_post(rworld, first_name=first, last_name=last))
        assert status == 302
        referral_id = headers["Location"].strip("/").split("/")[-2]
        form = consent_form(rworld) | {"signature_name": f"{first} {last}"}
        status, _, _ = case_manager[0].post_form(reverse("referrals:consent_new", args=[referral_id]), form)
        assert status == 302

    errors: list[str] = []

    def officer_load(user: str) -> None:
        first, last = people[user]
        sessions = [HttpSession(port, cookies[user]) for port in ports]
        tokens = [s.csrf_token(reverse("referrals:new")) for s in sessions]
        for n in range(SUBMITS_PER_OFFICER):
            # send_as_new: the officer has confirmed past the 15-minute repeat guard (same person, same officer).
            data = referral_post(rworld, first_name=first, last_name=last, idempotency_key=str(uuid.uuid4()), send_as_new="1")
            # The same submit twice, once on each web server (a retried POST after a lost answer).
            for which in (n % 2, 1 - n % 2):
                status, body, _ = sessions[which].post_form(reverse("referrals:new"), data, token=tokens[which])
                if status != 302:
                    errors.append(f"{user} submit {n}: {status} {body[-300:]}")

    threads = [threading.Thread(target=officer_load, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    expected = 2 * (SUBMITS_PER_OFFICER + 1)
    assert psql("SELECT count(*) FROM referrals_referral") == str(expected)
    assert psql("SELECT count(DISTINCT idempotency_key) FROM referrals_referral") == str(expected)

    # Case managers on both web servers move every referral on; the officers may see it, so each is emailed.
    referral_ids = psql("SELECT id FROM referrals_referral ORDER BY id").split()
    for n, referral_id in enumerate(referral_ids):
        page = reverse("referrals:detail", args=[referral_id])
        status, body, _ = case_manager[n % 2].post_form(page, {"status": "contacted", "note": "Reached"})
        assert status == 302, body[-500:]
    assert psql("SELECT count(*) FROM referrals_officernotice") == str(expected)

    wait_until(lambda: len(smtp_server.messages) >= expected, 120, "every notice email")
    wait_until(
        lambda: psql("SELECT count(*) FROM referrals_officernotice WHERE emailed_at IS NULL") == "0",
        30,
        "every notice marked emailed",
    )
    # A barrier through the relay and both workers' queue: any duplicate queued earlier would have run by now.
    token = uuid.uuid4().hex
    ping = f"""INSERT INTO deflection_outboxmessage (task_name, kwargs, status, attempts, last_error, created_at)
        VALUES ('deflection.tasks.ping', '{{"token": "{token}"}}', 'pending', 0, '', now())"""  # noqa: S608
    psql(ping)
    wait_until(
        lambda: any(token in (tmp_path / f"worker-{n}.log").read_text(errors="replace") for n in range(2)),
        60,
        "the barrier ping",
    )
    assert len(smtp_server.messages) == expected
    assert psql("SELECT count(*) FROM deflection_outboxmessage WHERE status = 'pending'") == "0"
    logs = "".join((tmp_path / f"web-{n}.log").read_text(errors="replace") for n in range(2))
    assert "prepared statement" not in logs and "cursor" not in logs.lower()

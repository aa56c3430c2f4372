"""Resilience figures: referral submits with Redis stopped against Redis up, in the same run, and the
backup and restore drill on the demo database (issue 15).

The submit run is the open loop of bench/referrals.py (twenty officers, one submit a second each) through
gunicorn, pointed at a throwaway Redis that this module starts, measures with, stops, and measures again.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url

from bench.referrals import OFFICERS, OPEN_INTERVAL, Officer, RealSubmit, _free_port, _percentile, _run_concurrently
from deflection.models import Membership, Program, Role
from deflection.stack import ensure_database
from demo.foundation import PROGRAM_NAME
from faults.processes import ThrowawayRedis, stop_process

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="),
        "BLIND_INDEX_KEY": os.environ.get("BLIND_INDEX_KEY", "dev-only-blind-index-key"),
        **extra,
    }


def _wait_for_web(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/accounts/login/")
            if probe.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _submit_with_redis_down() -> dict[str, tuple[float, str]]:
    program = Program.objects.get(name=PROGRAM_NAME)
    usernames = list(
        Membership.objects.filter(role=Role.OFFICER, agency__in=[program.lead_agency, *program.partners.all()])
        .exclude(agency__kind="fire_ems")
        .order_by("pk")
        .values_list("user__username", flat=True)[:OFFICERS]
    )
    with tempfile.TemporaryDirectory(prefix="deflection-bench-redis-") as tmp:
        redis = ThrowawayRedis(Path(tmp))
        redis.start()
        port = _free_port()
        web = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "deflection.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--keep-alive",
                "30",
                "--log-level",
                "error",
            ],
            cwd=BASE_DIR,
            env=_env(REDIS_URL=redis.url),
            start_new_session=True,
        )
        try:
            _wait_for_web(port, web)
            officers = [Officer(port, username) for username in usernames]
            for officer in officers:
                officer.login()
            up, _ = _run_concurrently(officers, RealSubmit, interval=OPEN_INTERVAL)
            redis.stop()
            down, _ = _run_concurrently(officers, RealSubmit, interval=OPEN_INTERVAL)
        finally:
            stop_process(web)
            if redis.proc is not None:
                redis.stop()
    up_p95, down_p95 = _percentile(up, 95), _percentile(down, 95)
    return {
        "referral_submit_redis_up_p95_ms": (round(up_p95, 1), "ms"),
        "referral_submit_redis_down_p95_ms": (round(down_p95, 1), "ms"),
        "referral_submit_redis_down_ratio": (round(down_p95 / up_p95, 2), "x"),
    }


def _restore_drill_on_demo() -> dict[str, tuple[float, str]]:
    """The drill on a database holding only the demo (the bench database may also hold the scale program)."""
    base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
    url = f"{base}/{dj_database_url.parse(os.environ['DATABASE_URL'])['NAME']}_drilldemo"
    ensure_database(url)
    env = _env(DJANGO_SETTINGS_MODULE="deflection.settings", DEBUG="true", DATABASE_URL=url)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=BASE_DIR)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=BASE_DIR, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    done = subprocess.run([*manage, "restore_drill"], env=env, cwd=BASE_DIR, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode:
        raise RuntimeError(f"restore drill failed: {done.stderr[-1500:]}")
    rows = re.search(r"rows: (\d+)", done.stdout)
    return {
        "restore_drill_s": (round(seconds, 1), "s"),
        "restore_drill_rows": (int(rows.group(1)) if rows else 0, "rows"),
    }


def run() -> dict[str, tuple[float, str]]:
    return {**_submit_with_redis_down(), **_restore_drill_on_demo()}


if __name__ == "__main__":
    print(json.dumps(run()))

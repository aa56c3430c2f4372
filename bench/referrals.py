"""Referral figures: submit latency through gunicorn + PostgreSQL with 20 concurrent officers,
against a baseline endpoint measured in the same run; form weight; queue query count.
"""

from __future__ import annotations

import datetime
import gzip
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import xstatic.pkg.bootstrap
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deflection.models import Membership, Program, Role
from demo.foundation import DEMO_PASSWORD, PROGRAM_NAME
from referrals.models import Referral

BASE_DIR = Path(__file__).resolve().parent.parent
OFFICERS = 20
SUBMITS_PER_OFFICER = 25
WARMUP_PER_OFFICER = 3
OPEN_INTERVAL = 1.0  # seconds between one officer's submits in the open-loop run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Officer:
    """One officer's browser: a keep-alive connection, a session cookie and a CSRF token."""

    def __init__(self, port: int, username: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.username = username

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: open a new one and send again.
            self.conn.close()
            self.conn.connect()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response.status, data.decode("utf-8", "replace")

    def csrf_from(self, html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self) -> None:
        _, html = self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            urlencode({"csrfmiddlewaretoken": self.csrf_from(html), "login": self.username, "password": DEMO_PASSWORD}),
            {"Referer": "http://127.0.0.1/accounts/login/"},
        )
        assert status == 302, f"login failed for {self.username}: {status}"

    def open_form(self) -> dict:
        status, html = self.request("GET", "/referrals/new/")
        assert status == 200, status
        fields = {
            "csrfmiddlewaretoken": self.csrf_from(html),
            "opened": re.search(r'name="opened" value="([^"]+)"', html).group(1),
            "pathway": "officer_referral",
            "first_name": "Bench",
            "last_name": self.username,
            "date_of_birth": "1980-01-01",
            "handoff": "case_manager_followup",
        }
        # "Yes" to every checklist item: hard items pass, inclusive ones route to the justice partner.
        for criterion_id in re.findall(r'name="criterion_(\d+)" value="yes"', html):
            fields[f"criterion_{criterion_id}"] = "yes"
        return fields

    def submit(self, fields: dict) -> float:
        key = uuid.uuid4()
        # A different person each time: the same officer referring the same person again within minutes is
        # asked to confirm (409 possible_repeat), which is not what this measures.
        suffix = key.hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))  # letters only, as a name has
        data = {**fields, "last_name": f"{fields['last_name']}-{suffix}", "idempotency_key": str(key)}
        start = time.perf_counter()
        status, _ = self.request("POST", "/referrals/new/", urlencode(data), {"Referer": "http://127.0.0.1/referrals/new/"})
        elapsed = (time.perf_counter() - start) * 1000
        assert status == 302, f"referral submit answered {status}"
        return elapsed

    def baseline(self, token: str) -> float:
        start = time.perf_counter()
        status, _ = self.request(
            "POST",
            "/bench/baseline-insert/",
            urlencode({"csrfmiddlewaretoken": token}),
            {"Referer": "http://127.0.0.1/bench/"},
        )
        elapsed = (time.perf_counter() - start) * 1000
        assert status == 204, f"baseline answered {status}"
        return elapsed


def _run_concurrently(officers, work, interval: float | None = None) -> tuple[list[float], float]:
    """Each officer submits back to back (closed loop: the server's saturated throughput), or, with
    `interval`, once every `interval` seconds on a fixed schedule, staggered across officers (open
    loop: a steady arrival rate, as when twenty officers on shift each refer now and then)."""
    samples: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    # Everyone warms up, then all officers start submitting at the same moment.
    barrier = threading.Barrier(len(officers) + 1, timeout=120)

    def loop(officer):
        try:
            state = work.prepare(officer)
            for _ in range(WARMUP_PER_OFFICER):
                work.once(officer, state)
            barrier.wait()
            if interval is None:
                mine = [work.once(officer, state) for _ in range(SUBMITS_PER_OFFICER)]
            else:
                first = time.perf_counter() + interval * officers.index(officer) / len(officers)
                mine = []
                for n in range(SUBMITS_PER_OFFICER):
                    time.sleep(max(0.0, first + n * interval - time.perf_counter()))
                    mine.append(work.once(officer, state))
        except BaseException as exc:  # noqa: BLE001  (reported below; a broken barrier frees the others)
            errors.append(exc)
            barrier.abort()
            return
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=loop, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    start = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} officers failed; first: {errors[0]!r}") from errors[0]
    return samples, time.perf_counter() - start


class RealSubmit:
    @staticmethod
    def prepare(officer):
        return officer.open_form()

    @staticmethod
    def once(officer, fields):
        return officer.submit(fields)


class BaselineInsert:
    @staticmethod
    def prepare(officer):
        return officer.open_form()["csrfmiddlewaretoken"]

    @staticmethod
    def once(officer, token):
        return officer.baseline(token)


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _submit_figures() -> dict[str, tuple[float, str]]:
    program = Program.objects.get(name=PROGRAM_NAME)
    usernames = list(
        Membership.objects.filter(role=Role.OFFICER, agency__in=[program.lead_agency, *program.partners.all()])
        .exclude(agency__kind="fire_ems")
        .order_by("pk")
        .values_list("user__username", flat=True)[:OFFICERS]
    )
    sample = Referral.objects.filter(program=program).order_by("pk").first()
    template = {
        "program_id": program.pk,
        "participant_id": sample.participant_id,
        "agency_id": sample.agency_id,
        "provider_id": sample.provider_id,
    }
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_BASELINE_TEMPLATE": json.dumps(template),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="),
        "BLIND_INDEX_KEY": os.environ.get("BLIND_INDEX_KEY", "dev-only-blind-index-key"),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # Production-like: gthread workers sized for 2 cores.
    server = subprocess.Popen(
        [
            gunicorn,
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
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/accounts/login/")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        officers = [Officer(port, u) for u in usernames]
        for officer in officers:
            officer.login()
        base_samples, base_wall = _run_concurrently(officers, BaselineInsert)
        real_samples, real_wall = _run_concurrently(officers, RealSubmit)
        # One officer alone: the service time without queueing behind 19 others.
        alone_samples, _ = _run_concurrently(officers[:1], RealSubmit)
        # Twenty officers each submitting every OPEN_INTERVAL seconds: a steady 20 submits a second.
        open_base, _ = _run_concurrently(officers, BaselineInsert, interval=OPEN_INTERVAL)
        open_real, _ = _run_concurrently(officers, RealSubmit, interval=OPEN_INTERVAL)
    finally:
        server.terminate()
        server.wait(timeout=20)
    p95, base_p95 = _percentile(real_samples, 95), _percentile(base_samples, 95)
    return {
        "referral_submit_p50_ms": (round(statistics.median(real_samples), 1), "ms"),
        "referral_submit_p95_ms": (round(p95, 1), "ms"),
        "referral_submit_rps": (round(len(real_samples) / real_wall, 1), "req/s"),
        "referral_submit_baseline_p50_ms": (round(statistics.median(base_samples), 1), "ms"),
        "referral_submit_baseline_p95_ms": (round(base_p95, 1), "ms"),
        "referral_submit_baseline_rps": (round(len(base_samples) / base_wall, 1), "req/s"),
        "referral_submit_ratio": (round(p95 / base_p95, 2), "x"),
        "referral_submit_single_officer_p50_ms": (round(statistics.median(alone_samples), 1), "ms"),
        "referral_submit_single_officer_p95_ms": (round(_percentile(alone_samples, 95), 1), "ms"),
        "referral_submit_open_20rps_p50_ms": (round(statistics.median(open_real), 1), "ms"),
        "referral_submit_open_20rps_p95_ms": (round(_percentile(open_real, 95), 1), "ms"),
        "referral_submit_open_20rps_baseline_p95_ms": (round(_percentile(open_base, 95), 1), "ms"),
        "referral_submit_open_20rps_ratio": (round(_percentile(open_real, 95) / _percentile(open_base, 95), 2), "x"),
    }


def _form_weight() -> tuple[float, str]:
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username="officer", password=DEMO_PASSWORD)
    html = client.get("/referrals/new/").content
    assets = [
        Path(xstatic.pkg.bootstrap.BASE_DIR) / "css/bootstrap.min.css",
        BASE_DIR / "static/css/deflection.css",
        BASE_DIR / "static/js/referral-form.js",
    ]
    total = len(gzip.compress(html)) + sum(len(gzip.compress(p.read_bytes())) for p in assets)
    return round(total / 1024, 1), "kB"


class _Rollback(Exception):
    pass


QUEUE_ROWS = 5000


def _queue_figures() -> dict[str, tuple[float, str]]:
    """The case manager's worklist with 5,000 open referrals at one provider (rolled back afterwards).

    queue_queries: the page's query count (constant: it does not grow with the rows).
    queue_ms: server time for the first page, median of 7 requests after one warm-up (in-process
    client: the view, the ORM, PostgreSQL and the template, without the network).
    """
    program = Program.objects.get(name=PROGRAM_NAME)
    template = Referral.objects.filter(program=program).order_by("pk").first()
    figures: dict[str, tuple[float, str]] = {}
    now = timezone.now()
    try:
        with transaction.atomic():
            Referral.objects.bulk_create(
                Referral(
                    program=program,
                    participant_id=template.participant_id,
                    officer_id=template.officer_id,
                    agency_id=template.agency_id,
                    provider=program.case_management_agency,
                    pathway=template.pathway,
                    handoff=template.handoff,
                    idempotency_key=uuid.uuid4(),
                    created_at=now - datetime.timedelta(minutes=i),
                    form_opened_at=now - datetime.timedelta(minutes=i + 5),
                    completion_seconds=300,
                    # a realistic mix: some new, some acknowledged, some with a next step due
                    acknowledged_at=None if i % 4 == 0 else now - datetime.timedelta(minutes=i),
                    next_step="Call" if i % 3 == 0 else "",
                    next_step_due=now + datetime.timedelta(hours=(i % 48) - 24) if i % 3 == 0 else None,
                )
                for i in range(QUEUE_ROWS)
            )
            connection.cursor().execute("ANALYZE referrals_referral")
            client = Client(HTTP_HOST="127.0.0.1")
            assert client.login(username="casemanager", password=DEMO_PASSWORD)
            assert client.get("/referrals/queue/").status_code == 200  # warm-up
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/referrals/queue/")
            assert response.status_code == 200
            figures["queue_queries"] = (len(queries), "queries")
            times = []
            for _ in range(7):
                started = time.perf_counter()
                client.get("/referrals/queue/")
                times.append((time.perf_counter() - started) * 1000)
            figures["queue_ms"] = (round(statistics.median(times), 1), "ms")
            raise _Rollback
    except _Rollback:
        pass
    return figures


def run() -> dict[str, tuple[float, str]]:
    figures = _submit_figures()
    figures["referral_form_first_load_kb"] = _form_weight()
    figures.update(_queue_figures())
    return figures

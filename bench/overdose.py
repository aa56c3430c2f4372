"""Post-overdose outreach figures: the overdose form's first-load weight, and the outreach queue with
5,000 open cases (server time and a query count that does not grow with the rows)."""

from __future__ import annotations

import datetime
import gzip
import statistics
import time
from pathlib import Path

import xstatic.pkg.bootstrap
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deflection.models import Program
from demo.foundation import DEMO_PASSWORD, PROGRAM_NAME
from referrals.overdose.models import OutreachCase, Overdose

OPEN_CASES = 5000


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def _form_weight() -> tuple[float, str]:
    """The officer's overdose form, gzipped, with every asset it loads (Bootstrap, the app's CSS, session.js)."""
    html = _client("officer").get("/overdose/new/")
    assert html.status_code == 200
    base = Path(settings.BASE_DIR)
    assets = [
        Path(xstatic.pkg.bootstrap.BASE_DIR) / "css/bootstrap.min.css",
        base / "static/css/deflection.css",
        base / "static/js/session.js",
    ]
    total = len(gzip.compress(html.content)) + sum(len(gzip.compress(p.read_bytes())) for p in assets)
    return round(total / 1024, 1), "kB"


class _Rollback(Exception):
    pass


def _queue_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/overdose/outreach/").status_code == 200
    return len(queries)


def _queue_figures() -> dict[str, tuple[float, str]]:
    """5,000 open outreach cases in the demo program (rolled back afterwards).

    outreach_queue_ms: server time of the page, median of 7 after a warm-up (in-process client: view,
    ORM, PostgreSQL, template; no network). outreach_queue_queries: the count at 5,000 cases, checked
    equal to the count with the demo's own open cases.
    """
    program = Program.objects.get(name=PROGRAM_NAME)
    template = OutreachCase.objects.filter(program=program).select_related("overdose").order_by("pk").first()
    client = _client("casemanager")
    small = _queue_queries(client)
    figures: dict[str, tuple[float, str]] = {}
    now = timezone.now()
    try:
        with transaction.atomic():
            overdoses = Overdose.objects.bulk_create(
                Overdose(
                    program=program,
                    occurred_at=now - datetime.timedelta(minutes=i),
                    place=template.overdose.place,
                    fatal=False,
                    naloxone_given=True,
                    naloxone_doses=2,
                    participant_id=template.participant_id,
                    recorded_by_id=template.overdose.recorded_by_id,
                    created_at=now,
                )
                for i in range(OPEN_CASES)
            )
            OutreachCase.objects.bulk_create(
                OutreachCase(
                    overdose=overdose,
                    program=program,
                    participant_id=template.participant_id,
                    opened_at=now,
                    due_at=overdose.occurred_at + datetime.timedelta(hours=48),
                    first_attempt_at=None if i % 3 else now,
                )
                for i, overdose in enumerate(overdoses)
            )
            connection.cursor().execute("ANALYZE overdose_outreachcase")
            assert client.get("/overdose/outreach/").status_code == 200  # warm-up
            count = _queue_queries(client)
            if count != small:
                raise AssertionError(f"the outreach queue's queries grew with its rows: {small} -> {count}")
            figures["outreach_queue_queries"] = (count, "queries")
            times = []
            for _ in range(7):
                started = time.perf_counter()
                client.get("/overdose/outreach/")
                times.append((time.perf_counter() - started) * 1000)
            figures["outreach_queue_ms"] = (round(statistics.median(times), 1), "ms")
            raise _Rollback
    except _Rollback:
        pass
    return figures


def run() -> dict[str, tuple[float, str]]:
    return {"overdose_form_first_load_kb": _form_weight(), **_queue_figures()}

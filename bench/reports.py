"""Report figures against the scale program (a million referrals, 2,000 officers, five years).

Each page is timed in the same run as a naive baseline: the straightforward ORM version that loops over
officers (or months and pathways) and counts each one with its own query. Server time is the view's
time through Django's test client (no network), median of several runs. The publication cache
(reports.outcomes) is measured cold (emptied first) and warm; a past year's cold view also without the
final levels kept in the database (reports.levels), as the baseline beside it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.scale import COORDINATOR, analyze_reports, seed_scale
from deflection.models import Membership, Pathway, Role, User
from referrals.models import Referral, Status, StatusChange
from reports import metrics
from reports.models import PublishedLevel
from reports.periods import Period, last_complete_month, latest_final


def _final_month(program):
    """The latest month whose 30-day outcomes are final (what the pages opened on when these figures began)."""
    now = timezone.now()
    return latest_final(last_complete_month(now, program.time_zone), now)


BASE_DIR = Path(__file__).resolve().parent.parent
RUNS = 7


def _median_ms(action, runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


# Naive baselines ----------------------------------------------------------------------------------


def naive_leaderboard(program, period: Period) -> list:
    """The straightforward version: every officer, two counting queries each."""
    rows = []
    officers = Membership.objects.filter(agency_id__in=program.agency_ids(), role=Role.OFFICER).select_related("user")
    for membership in officers:
        mine = Referral.objects.filter(
            program=program, officer=membership.user, created_at__gte=period.start, created_at__lt=period.end
        )
        quality = [r for r in mine.filter(engaged_at__isnull=False) if r.engaged_at - r.created_at < metrics.QUALITY_WINDOW]
        rows.append((membership.user.get_full_name(), mine.count(), len(quality)))
    return sorted(rows, key=lambda row: -row[1])


def naive_dashboard(program, period: Period) -> dict:
    """The straightforward version: a count per month, per pathway, per agency and per funnel stage."""
    figures = {}
    months = [Period.month(period.first_day.year, period.first_day.month, program.time_zone).shifted(-n) for n in range(12)]
    for month in months:
        base = Referral.objects.filter(program=program, created_at__gte=month.start, created_at__lt=month.end)
        figures[(month.key, "referrals")] = base.count()
        figures[(month.key, "contacted")] = base.filter(first_contact_at__isnull=False).count()
        figures[(month.key, "engaged")] = sum(
            1 for r in base.filter(engaged_at__isnull=False) if r.engaged_at - r.created_at < metrics.QUALITY_WINDOW
        )
        for pathway in Pathway.values:
            figures[(month.key, pathway)] = base.filter(pathway=pathway).count()
        for agency_id in program.agency_ids():
            figures[(month.key, agency_id)] = base.filter(agency_id=agency_id).count()
    current = Referral.objects.filter(program=program, created_at__gte=period.start, created_at__lt=period.end)
    for status in (Status.RETAINED_30, Status.RETAINED_90, Status.DECLINED, Status.UNABLE_TO_CONTACT):
        figures[status] = StatusChange.objects.filter(referral__in=current, status=status).values("referral").distinct().count()
    times = [r.first_contact_at - r.created_at for r in current.filter(first_contact_at__isnull=False)]
    figures["median_contact"] = statistics.median(times) if times else None
    return figures


# Figures ------------------------------------------------------------------------------------------


def _once_ms(action) -> float:
    start = time.perf_counter()
    action()
    return round((time.perf_counter() - start) * 1000, 1)


def _pages(program) -> tuple[Client, str, dict[str, str]]:
    """The coordinator's client, the dashboard's URL and the leaderboard's, by period (the first the month)."""
    period = _final_month(program)  # the latest month whose 30-day outcomes are final
    now_year = Period.containing("year", timezone.now(), program.time_zone)
    base = f"/reports/programs/{program.pk}/leaderboard/?"
    dashboard = f"/reports/programs/{program.pk}/dashboard/?period={period.key}"
    custom_start = period.first_day.replace(year=period.first_day.year - 1) + timedelta(days=9)
    views = {
        "month": f"{base}period={period.key}",
        "quarter": f"{base}period={Period.containing('quarter', period.start, program.time_zone).key}",
        "last_year": f"{base}period={now_year.previous().key}",
        "oldest_year": f"{base}period={now_year.shifted(-4).key}",  # beyond the picker: the arrows lead there
        "this_year": f"{base}period={now_year.key}",
        "custom_year": f"{base}start={custom_start}&end={period.last_day - timedelta(days=3)}",
    }
    return _client(COORDINATOR), dashboard, views


def unwarmed_figures(program) -> dict[str, tuple[float, str]]:
    """Report pages with an empty cache (the rollups stay; they are counted once per month)."""
    coordinator, _dashboard, views = _pages(program)
    figures = {}
    cache.clear()
    figures["leaderboard_unwarmed_ms"] = (_once_ms(lambda: _get(coordinator, views["month"])), "ms")
    # A past year after a Redis flush or a deploy. Its final levels are kept in the database
    # (reports.models.PublishedLevel): measured first without them (the whole suppression search, as
    # after a change of its inputs), then as a flush leaves things, with them.
    cache.clear()
    PublishedLevel.objects.filter(program=program).delete()
    figures["leaderboard_unwarmed_year_unstored_ms"] = (_once_ms(lambda: _get(coordinator, views["last_year"])), "ms")
    samples = []
    for _ in range(3):
        cache.clear()
        samples.append(_once_ms(lambda: _get(coordinator, views["last_year"])))
    figures["leaderboard_unwarmed_year_ms"] = (statistics.median(samples), "ms")
    figures["leaderboard_unwarmed_year_ratio"] = (
        round(figures["leaderboard_unwarmed_year_unstored_ms"][0] / figures["leaderboard_unwarmed_year_ms"][0], 1),
        "x",
    )

    return figures


def page_figures(program) -> dict[str, tuple[float, str]]:
    """Report pages as users meet them: after the hourly warming task (reports.tasks.warm_reports) has
    run, the leaderboard for a month, a quarter, last year, the current year, the program's oldest
    year and a custom year-long range (which no task can foresee); and the warming run itself."""
    from reports import services  # noqa: PLC0415

    period = _final_month(program)
    coordinator, dashboard, views = _pages(program)
    leaderboard = views["month"]
    figures = {}

    cache.clear()
    start = time.perf_counter()
    services.reports_warm(program_id=program.pk)
    figures["reports_warm_s"] = (round(time.perf_counter() - start, 1), "s")

    worst_first, worst = 0.0, 0.0
    for name, target in views.items():
        first = _once_ms(lambda target=target: _get(coordinator, target))
        median = _median_ms(lambda target=target: _get(coordinator, target))
        figures[f"leaderboard_{name}_ms"] = (median, "ms")
        worst_first, worst = max(worst_first, first), max(worst, median)
    figures["leaderboard_first_view_max_ms"] = (worst_first, "ms")
    figures["leaderboard_ms"] = (worst, "ms")  # the slowest of the periods above
    with CaptureQueriesContext(connection) as queries:
        _get(coordinator, leaderboard)
    figures["leaderboard_queries"] = (len(queries), "queries")
    figures["leaderboard_baseline_ms"] = (_median_ms(lambda: naive_leaderboard(program, period), runs=3), "ms")
    figures["leaderboard_ratio"] = (round(figures["leaderboard_baseline_ms"][0] / figures["leaderboard_ms"][0], 1), "x")

    figures["dashboard_first_view_ms"] = (_once_ms(lambda: _get(coordinator, dashboard)), "ms")
    figures["dashboard_ms"] = (_median_ms(lambda: _get(coordinator, dashboard)), "ms")
    with CaptureQueriesContext(connection) as queries:
        _get(coordinator, dashboard)
    figures["dashboard_queries"] = (len(queries), "queries")
    figures["dashboard_baseline_ms"] = (_median_ms(lambda: naive_dashboard(program, period), runs=3), "ms")
    figures["dashboard_ratio"] = (round(figures["dashboard_baseline_ms"][0] / figures["dashboard_ms"][0], 1), "x")
    cache.clear()
    figures["dashboard_unwarmed_ms"] = (_once_ms(lambda: _get(coordinator, dashboard)), "ms")
    services.reports_warm(program_id=program.pk)  # leave the cache as beat would
    return figures


def newsletter_figures(program) -> dict[str, tuple[float, str]]:
    from reports import services  # noqa: PLC0415
    from reports.models import Newsletter  # noqa: PLC0415

    period = _final_month(program).next()  # the month a newsletter on the 1st would cover
    Newsletter.objects.filter(program=program, kind="monthly", period_start=period.first_day).delete()
    edition = Newsletter.objects.create(
        program=program, kind="monthly", period_start=period.first_day, period_end=period.last_day
    )
    cache.clear()
    start = time.perf_counter()
    assert services.newsletter_build(newsletter_id=edition.pk)
    seconds = time.perf_counter() - start
    edition.refresh_from_db()
    return {
        "newsletter_pdf_s": (round(seconds, 2), "s"),
        "newsletter_pdf_kb": (round(edition.file_size / 1024, 1), "kB"),
    }


# The quarterly email ------------------------------------------------------------------------------


class _Inbox:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook)
        self.count += len(envelope.rcpt_tos)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def email_figures(program) -> dict[str, tuple[float, str]]:
    from aiosmtpd.controller import Controller  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415

    from deflection.celery import app  # noqa: PLC0415
    from reports import services  # noqa: PLC0415
    from reports.models import Delivery, Newsletter, NewsletterStatus  # noqa: PLC0415

    quarter = Period.containing("quarter", _final_month(program).start, program.time_zone)
    edition = Newsletter.objects.filter(
        program=program, kind="quarterly", period_start=quarter.first_day, is_current=True
    ).first()
    if edition is None:
        edition = services.newsletter_request(program=program, kind="quarterly", period=quarter, by=None)
        assert services.newsletter_build(newsletter_id=edition.pk)
        edition.refresh_from_db()
    assert edition.status == NewsletterStatus.READY
    Delivery.objects.filter(newsletter=edition).delete()  # each run sends afresh
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    queue = f"bench-reports-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "deflection.settings",
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    # Each worker publishes its follow-up tasks to the benchmark's own queue, so that a `make run`
    # worker on the same Redis never picks them up.
    boot = (
        "import sys; from deflection.celery import app; app.conf.task_default_queue = sys.argv[1]; "
        "app.worker_main(['worker', '--pool', 'solo', '-Q', sys.argv[1], '-n', sys.argv[2], '--without-heartbeat', "
        "'--without-gossip', '--without-mingle', '--loglevel', 'WARNING'])"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", boot, queue, f"bench{n}@%h"],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(2)
    ]
    try:
        time.sleep(3)  # both workers listening before the clock starts
        police = [a for a in program.partners.all() if a.is_law_enforcement] + [program.lead_agency]
        app.conf.task_default_queue = queue
        start = time.perf_counter()
        send = services.newsletter_send_create(
            newsletter=edition,
            by=User.objects.get(username=COORDINATOR),
            message="Benchmark edition.",
            agencies=police,
            recipient_list=None,
            idempotency_key=uuid.uuid4(),
        )
        recipients = Delivery.objects.filter(send=send).count()
        deadline = time.monotonic() + 600
        while services.send_progress(send)["remaining"] and time.monotonic() < deadline:
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        progress = services.send_progress(send)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        controller.stop()
    assert progress["remaining"] == 0 and progress["failed"] == 0, progress
    assert inbox.count == recipients, (inbox.count, recipients)
    return {
        "quarterly_email_recipients": (recipients, "emails"),
        "quarterly_email_5000_s": (round(seconds, 1), "s"),
    }


# `python -m bench reports.NAME` runs one part (bench/__main__.py); in this order when all run.
PARTS = {
    "unwarmed": unwarmed_figures,
    "pages": page_figures,
    "newsletter": newsletter_figures,
    "email": email_figures,
}
USES_DEMO = False  # the scale program only


def run(parts: set[str] | None = None) -> dict[str, tuple[float, str]]:
    program = seed_scale(out=sys.stdout)
    analyze_reports()  # a database seeded before the rollups were analysed too
    figures = {}
    for name, part in PARTS.items():
        if parts is None or name in parts:
            figures.update(part(program))
    return figures

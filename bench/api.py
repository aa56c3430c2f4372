"""API figures: referral creation through /api/v1/ at 20 per second (open loop) against the officer form's
submit in the same run, and the HSDS export of a 500-service directory.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from bench.referrals import OFFICERS, OPEN_INTERVAL, Officer, RealSubmit, _free_port, _percentile, _run_concurrently
from deflection.models import Membership, Program, Role, User
from demo.foundation import PROGRAM_NAME
from referrals.api import hsds
from referrals.api.models import ApiClient, Scope
from referrals.api.services import api_client_create
from referrals.models import ProviderService
from referrals.setup import setups

BASE_DIR = Path(__file__).resolve().parent.parent
DIRECTORY_SIZE = 500


class CadSystem:
    """One officer's referrals arriving from CAD: a keep-alive connection and the agency's token."""

    def __init__(self, port: int, token: str, badge: str, criteria: list[int]):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.body = {
            "badge_number": badge,
            "pathway": "officer_referral",
            "handoff": "case_manager_followup",
            "first_name": "Bench",
            "last_name": f"Api{badge}",
            "date_of_birth": "1980-01-01",
            "eligibility": {str(pk): True for pk in criteria},
        }

    def create(self) -> float:
        payload = json.dumps(self.body)
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        start = time.perf_counter()
        try:
            self.conn.request("POST", "/api/v1/referrals", body=payload, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()
            self.conn.connect()
            self.conn.request("POST", "/api/v1/referrals", body=payload, headers=headers)
            response = self.conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status == 201, f"API referral answered {response.status}"
        return elapsed


class ApiSubmit:
    @staticmethod
    def prepare(cad):
        return None

    @staticmethod
    def once(cad, _state):
        return cad.create()


@contextlib.contextmanager
def _gunicorn():
    """The app under gunicorn (gthread, 3 x 8), as bench.referrals runs it."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_BASELINE_TEMPLATE": "{}",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="),
        "BLIND_INDEX_KEY": os.environ.get("BLIND_INDEX_KEY", "dev-only-blind-index-key"),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "deflection.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3", "--worker-class", "gthread",
         "--threads", "8", "--keep-alive", "30", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
    )  # fmt: skip
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
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # idle keep-alive connections hold a graceful stop: end it
            server.kill()
            server.wait(timeout=20)


def _api_figures() -> dict[str, tuple[float, str]]:
    program = Program.objects.get(name=PROGRAM_NAME)
    members = list(
        Membership.objects.filter(role=Role.OFFICER, agency=program.lead_agency, is_active=True)
        .exclude(badge_number="")
        .select_related("user")
        .order_by("pk")[:OFFICERS]
    )
    ApiClient.objects.filter(agency=program.lead_agency, name="Bench CAD").delete()
    _client, token = api_client_create(
        agency=program.lead_agency,
        name="Bench CAD",
        scopes=[Scope.REFERRALS_CREATE],
        expires_at=timezone.now() + datetime.timedelta(days=1),
        created_by=User.objects.filter(is_superuser=True).first() or members[0].user,
    )
    ApiClient.objects.filter(agency=program.lead_agency, name="Bench CAD").update(rate_limit_per_minute=1_000_000)
    criteria = [c.pk for c in setups()[program.pk].criteria]
    with _gunicorn() as port:
        cads = [CadSystem(port, token, m.badge_number, criteria) for m in members]
        officers = [Officer(port, m.user.username) for m in members]
        for officer in officers:
            officer.login()
        # Twenty sources each sending one referral a second: a steady 20 a second, API then form.
        api_samples, _ = _run_concurrently(cads, ApiSubmit, interval=OPEN_INTERVAL)
        form_samples, _ = _run_concurrently(officers, RealSubmit, interval=OPEN_INTERVAL)
    api_p95, form_p95 = _percentile(api_samples, 95), _percentile(form_samples, 95)
    return {
        "api_referral_open_p50_ms": (round(statistics.median(api_samples), 1), "ms"),
        "api_referral_open_p95_ms": (round(api_p95, 1), "ms"),
        "api_referral_form_open_p95_ms": (round(form_p95, 1), "ms"),
        "api_referral_ratio": (round(api_p95 / form_p95, 2), "x"),
    }


class _Rollback(Exception):
    pass


def _hsds_export_seconds() -> tuple[float, str]:
    """The HSDS export of a 500-service directory (rows added and rolled back), best of three."""
    program = Program.objects.get(name=PROGRAM_NAME)
    provider = program.case_management_agency or program.partners.filter(kind="treatment").first()
    best = float("inf")
    try:
        with transaction.atomic():
            have = ProviderService.objects.filter(agency_id__in=program.agency_ids(), is_active=True).count()
            ProviderService.objects.bulk_create(
                ProviderService(
                    agency=provider,
                    kind="outpatient",
                    name=f"Bench service {n}",
                    hours="Mon-Fri 8am-6pm",
                    address=f"{n} Main St, Harlan, KY 40831",
                    phone="(555) 010-0000",
                    serves="Adults",
                    capacity_state="open",
                    open_slots=3,
                    capacity_updated_at=timezone.now(),
                )
                for n in range(max(0, DIRECTORY_SIZE - have))
            )
            for _ in range(3):
                start = time.perf_counter()
                document = json.dumps(hsds.hsds_export(program))
                best = min(best, time.perf_counter() - start)
            assert document.count('"service_capacity"') >= DIRECTORY_SIZE
            raise _Rollback
    except _Rollback:
        pass
    return round(best, 3), "s"


def run() -> dict[str, tuple[float, str]]:
    figures = {"hsds_export_s": _hsds_export_seconds()}
    figures.update(_api_figures())
    return figures

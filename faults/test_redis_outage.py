"""Redis stops while officers refer and case managers work: nothing fails, and the follow-up work runs
exactly once when Redis is back (SECURITY.md 18; issue 15).

Real processes: gunicorn, a Celery worker and beat, pointed at a throwaway Redis that the test stops and
starts again, and at the pytest database on the shared PostgreSQL.
"""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import OutboxMessage, OutboxStatus
from faults.processes import (
    HttpSession,
    app_env,
    signed_in_cookie,
    start_beat,
    start_gunicorn,
    start_worker,
    wait_for_worker,
    wait_until,
)
from referrals.models import Consent, OfficerNotice, Referral, Status
from referrals.tests.conftest import referral_post

pytestmark = pytest.mark.fault


def consent_form(rworld) -> dict:
    return {
        "disclosing_agency": rworld.provider.pk,
        "information_description": "Whether I engaged in treatment.",
        "level": "status",
        "recipient_officer_named": "on",
        "purpose": "Feedback to the referring officer.",
        "revocation_terms": "I can revoke by telling my case manager.",
        # Legal dates are the program's local date (a UTC date can be tomorrow there, and is refused).
        "expires_on": (rworld.program.today() + timezone.timedelta(days=365)).isoformat(),
        "signature_name": "Jamie Rivera",
        "signature_ticked": "on",
        "signed_on": rworld.program.today().isoformat(),
    }


def test_referral_consent_and_status_survive_redis_down_and_the_notice_is_sent_once_after(
    rworld, redis_server, smtp_server, test_database_url, processes, tmp_path
):
    env = app_env(
        database_url=test_database_url, redis_url=redis_server.url, email_port=smtp_server.port, OUTBOX_RELAY_SECONDS="1"
    )
    proc, port = start_gunicorn(env, tmp_path / "web.log")
    processes.append(proc)
    processes.append(start_worker(env, tmp_path / "worker.log", name="fault-redis"))
    processes.append(start_beat(env, tmp_path / "beat.log", tmp_path / "beat-schedule"))
    wait_for_worker(tmp_path / "worker.log")
    officer = HttpSession(port, signed_in_cookie(rworld.officer))
    case_manager = HttpSession(port, signed_in_cookie(rworld.case_manager))

    redis_server.stop()

    # The officer opens the form and submits: the set-up cache read misses, the referral is saved.
    status, body, _ = officer.get(reverse("referrals:new"))
    assert status == 200, body[-2000:]
    status, _, headers = officer.post_form(reverse("referrals:new"), referral_post(rworld))
    assert status == 302
    referral = Referral.objects.get()
    assert headers["Location"] == reverse("referrals:done", args=[referral.pk])

    # The case manager records a consent naming the officer, then a status change the officer may see.
    status, _, _ = case_manager.post_form(reverse("referrals:consent_new", args=[referral.pk]), consent_form(rworld))
    assert status == 302
    assert Consent.objects.filter(participant=referral.participant, revoked_at__isnull=True).count() == 1
    case_page = reverse("referrals:detail", args=[referral.pk])
    status, _, _ = case_manager.post_form(case_page, {"status": Status.CONTACTED, "note": "Reached by phone"})
    assert status == 302
    referral.refresh_from_db()
    assert referral.status == Status.CONTACTED
    notice = OfficerNotice.objects.get(referral=referral)
    # The email to the officer waits in the outbox: nothing reached a broker that is not there.
    waiting = OutboxMessage.objects.get(task_name="referrals.tasks.email_officer_notice")
    assert waiting.status == OutboxStatus.PENDING
    assert smtp_server.to(rworld.officer.email) == 0

    redis_server.start()

    wait_until(lambda: smtp_server.to(rworld.officer.email) >= 1, 90, "the officer's notice email")
    wait_until(lambda: not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists(), 30, "the outbox to drain")
    # A barrier: the worker takes tasks in order, so once this ping (relayed by beat like the rest) has
    # run, any second copy of the notice task (a double relay) would have run too.
    token = uuid.uuid4().hex
    OutboxMessage.objects.create(task_name="deflection.tasks.ping", kwargs={"token": token})
    wait_until(lambda: token in (tmp_path / "worker.log").read_text(errors="replace"), 60, "the barrier ping")
    assert smtp_server.to(rworld.officer.email) == 1
    waiting.refresh_from_db()
    assert waiting.status == OutboxStatus.SENT
    notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert Referral.objects.count() == 1

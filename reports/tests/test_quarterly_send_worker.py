"""The quarterly send on real Celery worker processes and a real SMTP server: a worker killed mid-send,
then resumed, delivers every recipient exactly once.

The SMTP server stops answering after a set number of messages, so the kill lands while the worker
waits on a message the server has not accepted (as a crash between two messages would); the row it was
sending is marked sent only in the transaction that sends it, so the kill leaves nothing stranded.
"""

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from deflection.celery import app
from deflection.models import Role
from deflection.tests.factories import MembershipFactory, UserFactory
from deflection.tests.workers import wait_for
from reports import services
from reports.models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus

pytestmark = pytest.mark.worker

RECIPIENTS = 36
ACCEPT_BEFORE_HANG = 10
BASE_DIR = Path(__file__).resolve().parents[2]


def database_url_for_workers() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'] or '', safe='')}{password}@{host}{port}/{db['NAME']}"


def start_worker(smtp_port: int, media_root: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "deflection.test_settings",
        "DATABASE_URL": database_url_for_workers(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "deflection",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_a_worker_killed_mid_send_then_resumed_mails_everyone_exactly_once(
    transactional_db, world, smtp_server, tmp_path, settings
):
    inbox, port = smtp_server, smtp_server.port
    inbox.hang_after = ACCEPT_BEFORE_HANG
    settings.MEDIA_ROOT = tmp_path
    app.control.purge()
    for n in range(RECIPIENTS - world.sheriff.memberships.count()):
        MembershipFactory(user=UserFactory(username=f"deputy{n}"), agency=world.sheriff, role=Role.OFFICER)
    edition = Newsletter(
        program=world.program,
        kind="quarterly",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        status=NewsletterStatus.READY,
        is_current=True,
    )
    edition.file.save("q1.pdf", ContentFile(b"%PDF-1.4 test edition"), save=False)
    edition.file_size = 21
    edition.save()

    worker = start_worker(port, tmp_path)
    try:
        send = services.newsletter_send_create(
            newsletter=edition,
            by=world.coordinator,
            message="Q1 is out.",
            agencies=[world.sheriff],
            recipient_list=None,
            idempotency_key=uuid.uuid4(),
        )
        assert Delivery.objects.filter(send=send).count() == RECIPIENTS
        assert wait_for(lambda: inbox.hanging, timeout=60), "the worker never reached the SMTP server"
        kill(worker)
    finally:
        if worker.poll() is None:
            kill(worker)
    accepted_before_kill = len(inbox.messages)
    # Two worker processes send side by side, so one more may slip in before both hang.
    assert ACCEPT_BEFORE_HANG <= accepted_before_kill < RECIPIENTS
    inbox.hang_after = None  # the server answers again

    # Nothing waits for a lease: the rows being sent when the worker died went back to the queue with it.
    assert not Delivery.objects.filter(send=send, status=DeliveryStatus.SENDING).exists()
    assert Delivery.objects.filter(send=send, status=DeliveryStatus.SENT).count() == accepted_before_kill

    worker = start_worker(port, tmp_path)
    try:
        services.deliveries_retry_failed(send=send, by=world.coordinator)  # the coordinator's "resume"
        assert wait_for(lambda: services.send_progress(send)["remaining"] == 0, timeout=60), services.send_progress(send)
    finally:
        kill(worker)

    delivered = Counter(address for envelope in inbox.messages for address in envelope.rcpt_tos)
    expected = set(Delivery.objects.filter(send=send).values_list("recipient__email", flat=True))
    assert set(delivered) == expected
    assert max(delivered.values()) == 1, [address for address, n in delivered.items() if n > 1]
    assert services.send_progress(send) == {"total": RECIPIENTS, "sent": RECIPIENTS, "failed": 0, "remaining": 0}
    for envelope in inbox.messages:
        body = envelope.content.decode(errors="replace")
        assert "Q1 is out." in body and world.deputy.last_name not in body

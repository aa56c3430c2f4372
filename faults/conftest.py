"""Fixtures of the fault suite: throwaway servers, app processes, a real SMTP server, signed-in sessions."""

import asyncio
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from faults.processes import ThrowawayPostgres, ThrowawayRedis, free_port, stop_process
from feedback.tests.conftest import consent_for, referral  # noqa: F401  (fixtures the scenarios use)
from referrals.tests.conftest import rworld  # noqa: F401


class Inbox:
    """Every message the SMTP server accepted, with an optional script of replies to give first."""

    def __init__(self):
        self.messages = []
        self.replies: list[str] = []  # e.g. ["421 try later"]: answered, in order, before accepting
        self.refused: list[str] = []
        self.lock = threading.Lock()
        # Hold the next message's DATA unanswered (the sender is "mid-send") until `released` is set;
        # it is then refused, so it was never delivered: the sender was killed before the 250.
        self.hold_next = False
        self.holding = False
        self.released = False
        self.dropped: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        if self.hold_next:
            self.hold_next = False
            self.holding = True
            self.dropped.append(list(envelope.rcpt_tos))  # never accepted: no 250 is ever sent for it
            while not self.released:
                await asyncio.sleep(0.05)
            return "451 4.3.0 the sender went away"
        with self.lock:
            if self.replies:
                reply = self.replies.pop(0)
                self.refused.append(reply)
                return reply
            self.messages.append(envelope)
        return "250 OK"

    def to(self, address: str) -> int:
        with self.lock:
            return sum(address in envelope.rcpt_tos for envelope in self.messages)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), loop=asyncio.new_event_loop())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def redis_server(tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    if server.proc is not None:
        server.stop()


@pytest.fixture
def postgres_server():
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def test_database_url(transactional_db):
    """The pytest database on the shared server, for processes that need committed rows but no outage."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def processes(transactional_db):
    """Every app process a test starts is registered here and ended by its pid at teardown."""
    started = []
    yield started
    for proc in reversed(started):
        stop_process(proc)

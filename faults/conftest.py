"""Fixtures of the fault suite: throwaway servers, app processes, signed-in sessions (mail goes to the
suite-wide `smtp_server` fixture in the top-level conftest.py)."""

import pytest
from django.db import connection

from faults.processes import ThrowawayPostgres, ThrowawayRedis, stop_process
from feedback.tests.conftest import consent_for, referral  # noqa: F401  (fixtures the scenarios use)
from referrals.hub.tests.conftest import hub  # noqa: F401
from referrals.overdose.tests.conftest import qworld  # noqa: F401
from referrals.tests.conftest import rworld  # noqa: F401


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

"""The web server's access log keeps no client address and no time of day for the anonymous pages (SECURITY.md 30).

A real gunicorn, started as the Procfile starts it (`--logger-class deflection.accesslog.PrivacyAccessLogger`),
is asked for the survey and suggestion pages and for a page that is not anonymous; the log file is then read.
"""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from faults.processes import VENV_BIN, app_env, free_port, port_open, stop_process, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TIME_OF_DAY = re.compile(r"\d\d:\d\d:\d\d")
# The Procfile's line, with the access log in a file and a format that also asks for headers and the query.
FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-forwarded-for}i)s %(q)s %(D)s'


def _procfile_logger_class() -> str:
    web = next(
        line for line in (Path(__file__).resolve().parents[2] / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    return re.search(r"--logger-class (\S+)", web).group(1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(port: int, path: str, referer: str = "http://mdt.local/unit7") -> None:
    request = urllib.request.Request(  # noqa: S310 (a loopback URL we built)
        f"http://127.0.0.1:{port}{path}",
        headers={"User-Agent": "SquadCar-7 Browser", "Referer": referer, "X-Forwarded-For": "198.51.100.23"},
    )
    try:
        urllib.request.build_opener(_NoRedirects).open(request, timeout=30).close()
    except urllib.error.HTTPError:
        pass  # a redirect to sign-in or a 404 is logged all the same


def test_anonymous_pages_are_logged_without_address_or_time(tmp_path):
    assert _procfile_logger_class() == "deflection.accesslog.PrivacyAccessLogger"
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = app_env(database_url=database_url, redis_url=django_settings.REDIS_URL)
    access_log = tmp_path / "access.log"
    port = free_port()
    with open(tmp_path / "gunicorn.out", "wb") as out:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "deflection.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                FORMAT,
                "--logger-class",
                _procfile_logger_class(),
            ],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: port_open(port), 90, "gunicorn")
        for path in (
            "/feedback/surveys/4/?from=email",
            "/feedback/suggestions/new/",
            "/feedback/suggestions/?sent=1",
            "/healthz",
        ):
            _get(port, path)
        # The sign-in page after a session expired mid-answer, and the click after "sent": they name the anonymous pages.
        _get(port, "/accounts/login/?next=/feedback/surveys/4/")
        _get(port, "/healthz?after=1", referer=f"http://127.0.0.1:{port}/feedback/suggestions/?sent=1")
        wait_until(lambda: access_log.exists() and len(access_log.read_text().splitlines()) >= 6, 30, "the access log")
    finally:
        stop_process(proc)
    lines = access_log.read_text().splitlines()
    anonymous = [line for line in lines if '"GET /feedback/' in line]
    assert len(anonymous) == 3, lines
    for line in anonymous:
        assert "127.0.0.1" not in line and "198.51.100.23" not in line, line
        assert not TIME_OF_DAY.search(line), line
        assert "SquadCar" not in line and "mdt.local" not in line and "from=email" not in line and "sent=1" not in line, line
        assert re.match(r'^- - - \[\d\d/\w{3}/\d{4}\] "GET /feedback/[a-z/0-9]+ HTTP/1.1" \d{3} ', line), line
    # Any other page is logged as gunicorn always logs it: the logger is not simply blank.
    health = next(line for line in lines if '"GET /healthz HTTP' in line)
    assert health.startswith("127.0.0.1 ") and TIME_OF_DAY.search(health) and "198.51.100.23" in health
    assert "mdt.local" in health
    # ... except that a mention of the anonymous pages is cut from it, and nothing else is.
    sign_in = next(line for line in lines if "/accounts/login/" in line)
    assert "feedback" not in sign_in and sign_in.startswith("127.0.0.1 ") and TIME_OF_DAY.search(sign_in)
    after = next(line for line in lines if "/healthz" in line and "sent=1" not in line and "SquadCar" in line and line != health)
    assert "feedback" not in after and "after=1" in after

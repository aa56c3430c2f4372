"""PostgreSQL stops under a running app: a submit answers a plain 503 that saved nothing, and once the
database is back the same app process takes the retried submit (CONN_HEALTH_CHECKS; issue 15).

Real processes: gunicorn pointed at a throwaway PostgreSQL (a copy of the pytest database) that the test
stops and starts again, and a throwaway Redis.
"""

import pytest
from django.urls import reverse

from faults.processes import HttpSession, app_env, signed_in_cookie, start_gunicorn
from referrals.tests.conftest import referral_post

pytestmark = pytest.mark.fault


def test_submit_while_postgres_is_down_is_a_plain_503_and_the_retry_works_once_it_is_back(
    rworld, postgres_server, redis_server, test_database_url, processes, tmp_path
):
    cookie = signed_in_cookie(rworld.officer)
    postgres_server.copy_database_from(test_database_url, "defl")
    env = app_env(database_url=postgres_server.url("defl"), redis_url=redis_server.url)
    proc, port = start_gunicorn(env, tmp_path / "web.log", workers=1, threads=2)
    processes.append(proc)
    officer = HttpSession(port, cookie)
    form = reverse("referrals:new")
    token = officer.csrf_token(form)  # the form was open on the officer's phone before the outage
    draft = referral_post(rworld)

    postgres_server.stop()

    status, body, headers = officer.post_form(form, draft, token=token)
    assert status == 503
    assert "nothing was saved" in body
    assert headers.get("Retry-After") == "30"
    for leak in ("Traceback", "OperationalError", "psycopg", "Jamie", "Rivera", str(postgres_server.port)):
        assert leak not in body
    status, body, _ = officer.get(form)
    assert status == 503

    postgres_server.start()

    # The same process, not restarted: the officer sends the draft again and it is saved once.
    status, _, headers = officer.post_form(form, draft, token=token)
    assert status == 302
    assert "/done/" in headers["Location"]
    assert postgres_server.psql("defl", "SELECT count(*) FROM referrals_referral").strip() == "1"
    assert proc.poll() is None

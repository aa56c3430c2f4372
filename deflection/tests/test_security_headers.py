"""Security headers on every page (SECURITY.md 15)."""

import os
import re
import subprocess
import sys

from django.urls import reverse

from deflection.tests.test_settings_guards import BASE_DIR, PROD_ENV, STRIPPED


def test_csp_uses_a_nonce_and_never_unsafe_inline(client, world):
    response = client.get(reverse("account_login"))
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    # A page with a script gets a fresh nonce for it.
    client.force_login(world.officer)
    policy = client.get(reverse("referrals:new"))["Content-Security-Policy"]
    assert re.search(r"script-src 'self' 'nonce-[^']+'", policy)
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_script_tag_carries_the_nonce(client, world):
    client.force_login(world.officer)
    for url in (reverse("referrals:new"), reverse("referrals:mine"), reverse("account_login")):
        response = client.get(url)
        tags = re.findall(r"<script[^>]*>", response.content.decode())
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        assert nonce or not tags, url  # no nonce in the policy means no script on the page
        for tag in tags:
            assert f'nonce="{nonce.group(1)}"' in tag, (url, tag)


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, world):
    response = client.post(reverse("account_login"), {"login": "officer", "password": world.password})
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_production_settings_set_hsts_and_secure_cookies():
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED}
    env.update(PROD_ENV)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["31536000", "True", "True", "True", "1800", "True"]

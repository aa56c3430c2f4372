"""Production guards: no default secret, and `check --deploy` is clean (SECURITY.md 13)."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "deflection.example.org",
    "SITE_URL": "https://deflection.example.org",
    "DJANGO_SETTINGS_MODULE": "deflection.settings",
    "FIELD_ENCRYPTION_KEYS": "Y2hlY2stZGVwbG95LW9ubHkta2V5LTAxMjM0NTY3ODk=",
    "BLIND_INDEX_KEY": "guard-test-blind-index-key",
}


# Variables that test_settings puts in this process's environment; the child must not inherit them.
STRIPPED = {
    "SECRET_KEY",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "REQUIRE_MFA",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
}


def run_manage(*args, env):
    full_env = {k: v for k, v in os.environ.items() if k not in STRIPPED}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_missing_secret_key_stops_the_app_with_a_clear_message():
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_has_zero_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_encryption_keys_stop_the_app_with_a_clear_message():
    env = {k: v for k, v in PROD_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set" in result.stderr

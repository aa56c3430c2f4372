"""Settings for pytest: production-like (DEBUG off) but over plain HTTP for the live server."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("REQUIRE_MFA", "false")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI=")
os.environ.setdefault("BLIND_INDEX_KEY", "test-only-blind-index-key")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from deflection.settings import *  # noqa: E402, F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Manifest storage needs collectstatic; tests serve files straight from the finders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_CONNECTION_TIMEOUT = 2


def _next_redis_db(url: str) -> str:
    """The same Redis server, the next database number (db 0 -> db 1)."""
    if url.startswith("unix://"):
        base, _, query = url.partition("?")
        db = int(query.removeprefix("db=") or 0) if query.startswith("db=") else 0
        return f"{base}?db={db + 1}"
    if url.count("/") > 2:
        scheme_host, _, db = url.rpartition("/")
        return f"{scheme_host}/{int(db or 0) + 1}"
    return f"{url}/1"


# Tests flush their own Redis database, never the one `make run` uses.
REDIS_URL = _next_redis_db(REDIS_URL)  # noqa: F405
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CELERY_BROKER_URL = kombu_url(REDIS_URL)  # noqa: F405
# Keep test tasks away from a `make run` worker sharing the same embedded Redis.
CELERY_TASK_DEFAULT_QUEUE = "deflection-test"

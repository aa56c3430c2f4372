"""Settings for pytest: production-like (DEBUG off) but over plain HTTP for the live server."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789abcdef")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("REQUIRE_MFA", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from deflection.settings import *  # noqa: E402, F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Manifest storage needs collectstatic; tests serve files straight from the finders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_CONNECTION_TIMEOUT = 2


def _redis_db(url: str, db: int) -> str:
    """The same Redis server, another database number."""
    if url.startswith("unix://"):
        return url.split("?")[0] + f"?db={db}"
    scheme_host, _, _path = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{scheme_host}/{db}"


# Tests flush their own Redis database, never the one `make run` uses.
REDIS_URL = _redis_db(REDIS_URL, 1)  # noqa: F405
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CELERY_BROKER_URL = kombu_url(REDIS_URL)  # noqa: F405
# Keep test tasks away from a `make run` worker sharing the same embedded Redis.
CELERY_TASK_DEFAULT_QUEUE = "deflection-test"

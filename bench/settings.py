"""Settings for benchmark runs: the app's own settings plus the baseline endpoint's URLconf."""

from deflection.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
REQUIRE_MFA = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Twenty officers sign in from 127.0.0.1 within seconds, run after run.
ACCOUNT_RATE_LIMITS = False

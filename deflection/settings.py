"""Django settings for Deflection, read from the environment.

Development defaults work out of the box with `make run`; production needs
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_URL and SITE_URL.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from deflection.stack import embedded_database_url, embedded_redis_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment "
            "(or DEBUG=true for local development, which uses a throwaway key)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"  # noqa: S105

# --- Keys for data at rest (SECURITY.md 10) ---------------------------------
# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt.
# BLIND_INDEX_KEY: secret for the keyed hashes used to match participants.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY")
if not FIELD_ENCRYPTION_KEYS or not BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set when DEBUG is off. "
            'Make a key with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    # Fixed development keys, so `make run` data stays readable across restarts. Never used with DEBUG off.
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="]
    BLIND_INDEX_KEY = BLIND_INDEX_KEY or "dev-only-blind-index-key"

# SECURITY.md 23: the proxies whose X-Forwarded-For is believed (addresses or CIDR networks,
# comma-separated). Empty: the header is ignored and the socket peer is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _entry in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_entry!r} is not an IP address or network") from _exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "deflection",
    "referrals",
    "referrals.api",
    "referrals.coresponder",
    "referrals.hub",
    "referrals.overdose",
    "referrals.walkin",
    "training",
    "feedback",
    "reports",
    "demo",  # only for manage.py seed_demo / seed_scale: no models, no URLs
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "deflection.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL byte in the path, a query value or a form value is a 400 before any view runs.
    "deflection.badinput.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # no-store on signed-in responses and a Permissions-Policy everywhere (SECURITY.md 29).
    "deflection.headers.SignedInHeadersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "deflection.middleware.SessionLimitsMiddleware",
    "deflection.middleware.RequireMFAMiddleware",
    "deflection.middleware.ProgramTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a sign-in that just locked an account into the "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "deflection.urls"
WSGI_APPLICATION = "deflection.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "deflection.context_processors.navigation",
            ],
        },
    },
]

# --- Database: PostgreSQL only ---------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", embedded_database_url())
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Deflection runs on PostgreSQL only; DATABASE_URL must be postgres://")
# Behind a transaction-pooling PgBouncer (DATABASE_POOLER=transaction) each transaction may run on another
# server connection: a server-side cursor (a queryset's .iterator()) or a prepared statement would be looked
# for on a connection that never saw it. Locks stay transaction-scoped (select_for_update, pg_advisory_xact_lock).
DATABASE_POOLER = env_str("DATABASE_POOLER")
if DATABASE_POOLER not in {"", "transaction", "session"}:
    raise ImproperlyConfigured("DATABASE_POOLER must be empty, 'transaction' or 'session'")
if DATABASE_POOLER == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SECURITY.md 26: the app connects as a role that owns no table (DATABASE_URL); `manage.py migrate`
# connects as the owner (MIGRATE_DATABASE_URL: only its user, password, host and port are used) and
# then grants the app role its privileges. Unset, migrate uses DATABASE_URL (one role, development).
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL")
MIGRATE_DATABASE = None
if MIGRATE_DATABASE_URL:
    _owner = dj_database_url.parse(MIGRATE_DATABASE_URL)
    MIGRATE_DATABASE = {key: _owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}

# --- Redis, cache, Celery ---------------------------------------------------
REDIS_URL = env_str("REDIS_URL", embedded_redis_url())


def kombu_url(url: str) -> str:
    """redis-py spells a socket `unix:///path?db=0`; kombu wants `redis+socket:///path`."""
    if url.startswith("unix://"):
        parsed = urlparse(url)
        db = parse_qs(parsed.query).get("db", ["0"])[0]
        return f"redis+socket://{unquote(parsed.path)}?virtual_host={db}"
    return url


def _redis_needs_password(url: str) -> bool:
    """A Redis on another machine without a password: anyone on the network could read the queue
    and write the cache."""
    parsed = urlparse(url)
    if parsed.scheme in {"unix", "redis+socket"}:
        return False
    return parsed.hostname not in {"127.0.0.1", "localhost", "::1"} and not parsed.password


if not DEBUG and _redis_needs_password(REDIS_URL):
    raise ImproperlyConfigured(
        "REDIS_URL points at another machine without a password. Set one in Redis (requirepass, or an "
        "ACL user) and in the URL: redis://:PASSWORD@host:6379/0, or rediss:// for TLS."
    )

CACHES = {
    "default": {
        # Django's RedisCache, except that an unreachable Redis is a cache miss, never a 500 (deflection/cache.py).
        "BACKEND": "deflection.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "deflection",
        "OPTIONS": {
            # Never unpickle what someone else wrote to Redis: values are signed (issue 10).
            "serializer": "deflection.cache_serializer.SignedPickleSerializer",
            # A stopped Redis refuses at once; a hung one must not hold a request for longer than this.
            "socket_connect_timeout": 0.5,
            "socket_timeout": 1.0,
        },
    }
}

CELERY_BROKER_URL = kombu_url(REDIS_URL)
CELERY_RESULT_BACKEND = None  # results live in our own tables, not in Redis
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
# A task is acknowledged only once it finished, so a killed worker's task is
# redelivered; every task is idempotent, so a second delivery is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within the visibility timeout (its worker was killed, or it is still running) is
# handed to another worker. Every email task claims its row in the transaction that sends, so neither case
# sends twice (issue 15). The fault suite shortens both numbers to see redelivery within a test.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env_str("BROKER_VISIBILITY_TIMEOUT", "600"))}
if env_str("BROKER_RESTORE_SWEEP_SECONDS"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_restore_interval": int(env_str("BROKER_RESTORE_SWEEP_SECONDS")),
        "unacked_restore_throttle": 1,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".data" / "celerybeat-schedule")
# Only the beat holding a lock in Redis sends; a second beat started by mistake waits on standby.
CELERY_BEAT_SCHEDULER = "deflection.beat:SingleBeatScheduler"
# Every periodic job is declared here, and only here.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "deflection.tasks.heartbeat", "schedule": timedelta(seconds=30)},
    # How soon work kept in the outbox while Redis was down reaches the broker once it is back.
    "relay-outbox": {
        "task": "deflection.tasks.relay_outbox",
        "schedule": timedelta(seconds=float(env_str("OUTBOX_RELAY_SECONDS", "30"))),
    },
    # Hourly, so each program's weekly CJIS audit review email goes out soon after Monday 07:00 where the
    # program is; one row per (program, week) is claimed before sending, so later runs send nothing twice.
    "audit-review-digests": {"task": "deflection.tasks.send_audit_review_digests", "schedule": timedelta(hours=1)},
    # Weekly; idempotent per (person, course, week), so a beat restart that runs it early sends nothing twice.
    "training-reminders": {"task": "training.tasks.send_training_reminders", "schedule": timedelta(days=7)},
    # A survey whose window opens later gets its one reminder once it opens.
    "feedback-remind-opened-surveys": {"task": "feedback.tasks.remind_opened_surveys", "schedule": timedelta(minutes=5)},
    # Anonymous suggestions of finished days and answers to closed surveys, published in shuffled batches.
    "feedback-publish-anonymous-submissions": {
        "task": "feedback.tasks.publish_anonymous_submissions",
        "schedule": timedelta(minutes=15),
    },
    # Anonymous suggestions are audited as a daily count per program, never one row per writer.
    "feedback-audit-anonymous-suggestions": {
        "task": "feedback.tasks.audit_anonymous_suggestions",
        "schedule": timedelta(hours=1),
    },
    # Hourly, so each program's week is sent soon after Monday 06:00 in its own time zone;
    # unique per (officer, week) and claimed before sending, so every run after the first sends nothing twice.
    "feedback-weekly-digests": {"task": "feedback.tasks.send_weekly_digests", "schedule": timedelta(hours=1)},
    # Every hour at :05: programs keep their own time zones, so the task queues each program's monthly
    # newsletter when it is the 1st, from 06:00, where the program is; one edition per month, however often it runs.
    "reports-monthly-newsletters": {"task": "reports.tasks.dispatch_monthly_newsletters", "schedule": crontab(minute=5)},
    # Every hour at :20: count newly ended months and publish the periods the report pages offer, so
    # a leaderboard at a million referrals is read from the cache rather than worked out on a view.
    "reports-warm": {"task": "reports.tasks.dispatch_report_warming", "schedule": crontab(minute=20)},
    # Every 5 minutes: escalate items past a clock (warm hand-off acknowledged, first contact, engagement,
    # and the post-overdose outreach clock: referrals/clocks/registry.py);
    # the shortest clock is 30 minutes, so an item escalates at most 5 minutes late. Idempotent per item and level.
    "referrals-escalate-overdue": {"task": "referrals.tasks.escalate_overdue", "schedule": timedelta(minutes=5)},
    # Daily: disable accounts unused for 90 days (idempotent: only active accounts are touched)
    # and forget failed sign-ins of unlocked accounts once their 15-minute window has passed.
    # Nightly: de-identify participant data past each program's retention period (SECURITY.md 32);
    # a de-identified record is never selected again, so reruns change nothing.
    # Every 15 minutes: flag situation-table interventions past their 48-hour clock and email the lead
    # agency and the chairs; each situation is claimed once (a conditional UPDATE), so reruns email no one twice.
    "hub-flag-overdue-interventions": {
        "task": "referrals.hub.tasks.flag_overdue_interventions",
        "schedule": timedelta(minutes=15),
    },
    "referrals-apply-retention": {"task": "referrals.tasks.apply_retention", "schedule": crontab(minute=50, hour=3)},
    # After it: messages and letters about the records it de-identified (feedback cannot be called from referrals).
    "feedback-apply-retention": {"task": "feedback.tasks.apply_feedback_retention", "schedule": crontab(minute=20, hour=4)},
    "deflection-disable-unused-accounts": {
        "task": "deflection.tasks.disable_unused_accounts",
        "schedule": crontab(minute=40, hour=3),
    },
}
# How stale the worker heartbeat may be before /healthz reports 503.
HEARTBEAT_MAX_AGE = timedelta(minutes=3)

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "deflection.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account before any password is checked (deflection.lockout).
    "deflection.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "deflection.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's own login-failure limit counts per IP address (and, with it, its per-user limit on
# second-factor codes); squad cars share carrier NAT addresses, so lockout is django-axes' instead,
# per account (deflection.lockout), and it counts wrong codes too. The per-IP login limit stays,
# but high enough for a whole shift signing in behind one NAT.
ACCOUNT_RATE_LIMITS = {"login_failed": False, "login": "300/m/ip"}
ACCOUNT_FORMS = {"login": "deflection.forms.LoginForm"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Deflection"
MFA_FORMS = {"authenticate": "deflection.forms.MFAAuthenticateForm"}
# When on, a signed-in user without an authenticator is sent to set one up.
REQUIRE_MFA = env_bool("REQUIRE_MFA", not DEBUG)

# --- Lockout: django-axes (SECURITY.md 11, 22, 23; deflection/lockout.py) ---------------------
# 5 failures of one account within 15 minutes lock it until a coordinator or administrator
# unlocks it (/people/locked/). Counted per username only, never per address; the username is
# matched as allauth matches it, so "DISPATCHER" counts for "dispatcher".
AXES_FAILURE_LIMIT = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
AXES_COOLOFF_TIME = None  # no cool-off: a lock lasts until someone unlocks it
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that per-username locking ignores the IP. That is the point (SECURITY.md 11, 23): squad cars
# share carrier NAT addresses, so locking by IP would lock whole shifts out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "deflection.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "deflection.client_address.client_address"
AXES_HANDLER = "deflection.lockout.WindowedLockoutHandler"
AXES_LOCKOUT_CALLABLE = "deflection.lockout.locked_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failure: what the 15-minute window is counted from
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in our own audit trail already
AXES_ENABLE_ADMIN = False  # unlocking goes through the audited page, not the Django admin
AXES_RESET_ON_SUCCESS = False
AXES_SENSITIVE_PARAMETERS = ["username", "login", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_VERBOSE = False

# --- Sessions (SECURITY.md 8, 24; deflection/sessions.py) -------------------------------------
# Database sessions with the user id in a column, so a user's other sessions can be ended.
# Idle: the row's expiry date, checked on the server at every request, renewed by each request
# except polling (deflection.sessions.passive_session). Absolute: 12 hours from sign-in.
SESSION_ENGINE = "deflection.sessions"
SESSION_COOKIE_AGE = 30 * 60
SESSION_ABSOLUTE_AGE = timedelta(hours=12)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# SECURITY.md 24: an account nobody signed in to for this long is disabled (daily beat job).
ACCOUNT_UNUSED_DISABLE_AFTER = timedelta(days=90)

# --- Security headers -------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Email ------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "smtp://127.0.0.1:1025")


def _email_settings(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured("EMAIL_URL must be smtp://, smtps://, submission:// or console://")
    query = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "127.0.0.1",
        "EMAIL_PORT": parsed.port or {"smtp": 25, "smtps": 465, "submission": 587}[parsed.scheme],
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": parsed.scheme == "submission" or query.get("tls", ["0"])[0] in {"1", "true"},
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Deflection <no-reply@deflection.local>")
# The first wait before an email task retries after SMTP trouble; each retry doubles it.
EMAIL_RETRY_BACKOFF_SECONDS = int(env_str("EMAIL_RETRY_BACKOFF_SECONDS", "60"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n, time -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# Stored in UTC; each program shows times in its own time zone.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap from the XStatic-Bootstrap wheel, served by our own static files.
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging: no personal data, ever (SECURITY.md 12) -----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger would print request bodies on errors.
        "django.request": {"level": "ERROR", "propagate": True},
        # WeasyPrint logs every layout step at INFO: one line per page of every PDF.
        "weasyprint": {"level": "WARNING"},
        # axes logs every attempt at INFO; the audit trail has them, with the outcome.
        "axes": {"level": "WARNING"},
    },
}

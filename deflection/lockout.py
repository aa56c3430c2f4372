"""Account lockout on django-axes (SECURITY.md 11 and 23).

Five failed sign-ins of one account within 15 minutes lock it, whatever the address (squad cars
share carrier NAT addresses, so nothing here counts per IP) and whatever the case the username
was typed in: the username is resolved the way allauth matches it at sign-in. Wrong passwords,
wrong second-factor codes and the Django admin (which signs in through allauth) all count. A
locked account stays locked until a coordinator or administrator unlocks it
(`deflection.accounts.account_unlock`); no cool-off lets it lapse by itself.

axes is configured in settings (AXES_*) to call into this module: `lockout_username` is its
AXES_USERNAME_CALLABLE, `WindowedLockoutHandler` its AXES_HANDLER, `locked_response` its
AXES_LOCKOUT_CALLABLE and `LockoutBackend` stands first in AUTHENTICATION_BACKENDS.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.utils import filter_users_by_username
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.shortcuts import render

LOCKED_MESSAGE = (
    "This account is locked after too many failed sign-in attempts. It stays locked until your "
    "program coordinator or an administrator unlocks it: call or message them, and they can "
    "unlock it from Program admin, Locked and disabled accounts."
)


def canonical_username(raw: object) -> str | None:
    """The username as allauth will match it: the stored spelling of the one account it names
    (case-insensitively, in the database's collation), else the lower-cased text typed."""
    if raw is None:
        return None
    typed = str(raw).replace("\x00", "").strip()[:150]
    if not typed:
        return None
    matches = [u for u in filter_users_by_username(typed) if u.get_username().lower() == typed.lower()]
    if len(matches) == 1:
        return matches[0].get_username()
    return typed.lower()


def lockout_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: allauth passes `username`; its form posts `login`."""
    raw = None
    if credentials:
        raw = credentials.get("username") or credentials.get("login")
    if raw is None and request is not None and request.method == "POST":
        raw = request.POST.get("login") or request.POST.get("username")
    return canonical_username(raw)


def is_locked(request, username: str) -> bool:
    """Whether the account `username` (as typed) is locked."""
    return AxesProxyHandler.is_locked(request, {"username": username})


def locked_usernames() -> QuerySet:
    """Usernames (canonical) whose failures reached the limit: one row per locked account."""
    return (
        AccessAttempt.objects.values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )


def locked_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: tell the person what happened and what to do, never a bare 429."""
    return render(request, "account/locked.html", {"message": LOCKED_MESSAGE}, status=403)


class LockoutBackend(AxesStandaloneBackend):
    """axes' check before any password is tried. Programmatic sign-ins without a request
    (the test client's `login`, benchmarks) are checked too, against an empty request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return super().authenticate(request if request is not None else HttpRequest(), username, password, **kwargs)


class WindowedLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a 15-minute window and no cool-off.

    axes counts failures per (username, address, browser) row and, without a cool-off, forever.
    Before each new failure of an account that is not locked, the rows are brought back to the
    failures of the last LOCKOUT_WINDOW (from axes' own per-failure log), so the limit means
    "5 within 15 minutes"; once reached, nothing is forgotten until someone unlocks the account.
    """

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            username = get_client_username(request, credentials)
            if username and not self.is_locked(request, credentials):
                self.forget_failures_before(username, request.axes_attempt_time - settings.LOCKOUT_WINDOW)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    @staticmethod
    def forget_failures_before(username: str, since) -> None:
        with transaction.atomic():
            for attempt in AccessAttempt.objects.select_for_update().filter(username=username):
                recent = AccessFailureLog.objects.filter(
                    username=username,
                    ip_address=attempt.ip_address,
                    user_agent=attempt.user_agent,
                    attempt_time__gte=since,
                ).count()
                if recent == 0:
                    attempt.delete()
                elif recent < attempt.failures_since_start:
                    AccessAttempt.objects.filter(pk=attempt.pk).update(failures_since_start=recent)


def prune_stale_attempts(*, now) -> int:
    """Forget failures of accounts that are not locked once their window has passed (daily job)."""
    cutoff = now - settings.LOCKOUT_WINDOW - timedelta(minutes=1)
    locked = locked_usernames().values("username")
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).exclude(username__in=locked).delete()
    AccessFailureLog.objects.filter(attempt_time__lt=cutoff).exclude(username__in=locked).delete()
    return deleted


def clear_lock(username: str) -> int:
    """Remove an account's lock and its counted failures (the unlock service audits it)."""
    AccessFailureLog.objects.filter(username=username).delete()
    return AxesProxyHandler.reset_attempts(username=username)

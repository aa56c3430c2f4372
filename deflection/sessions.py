"""Sessions: the engine (SESSION_ENGINE = "deflection.sessions") and the rules on top of it.

- Idle: 30 minutes, enforced by the row's expiry date on the server (SESSION_COOKIE_AGE),
  renewed by each request except those that only poll (`passive_session`).
- Absolute: 12 hours from sign-in, whatever the activity (SESSION_ABSOLUTE_AGE,
  SessionLimitsMiddleware).
- A session counts as signed in only once it passed the second factor, when the account has one
  (`mark_second_factor_passed`, RequireMFAMiddleware).
- A change of a user's roles ends that user's other sessions (`end_other_sessions`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from deflection.access import programs_for
from deflection.models import SignInSession

SIGNED_IN_AT = "deflection_signed_in_at"
SECOND_FACTOR_PASSED = "deflection_second_factor_passed"
NO_SECOND_FACTOR = "deflection_no_second_factor"


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, with the user id copied to an indexed column."""

    @classmethod
    def get_model_class(cls):
        return SignInSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


def mark_signed_in(request, user) -> None:
    """Start the 12-hour clock, and forget any second factor an earlier sign-in passed."""
    session = getattr(request, "session", None)
    if session is None:
        return
    passed = session.get(SECOND_FACTOR_PASSED) == user.pk  # this very sign-in, just before login()
    session[SIGNED_IN_AT] = timezone.now().timestamp()
    session.pop(NO_SECOND_FACTOR, None)
    if not passed:
        session.pop(SECOND_FACTOR_PASSED, None)
        # Looked up once here rather than on the first page: an account without an authenticator
        # has no second factor to pass (RequireMFAMiddleware sends it to set one up if required).
        if not Authenticator.objects.filter(user=user).exists():
            session[NO_SECOND_FACTOR] = user.pk


PROGRAM_TZ = "deflection_program_tz"


def program_time_zone(request, user) -> str:
    """The user's program's time zone name, looked up once per session (at sign-in) and kept there."""
    session = getattr(request, "session", None)
    name = session.get(PROGRAM_TZ) if session is not None else None
    if name is None:
        program = programs_for(user).order_by("pk").only("time_zone").first()
        name = program.time_zone if program else "UTC"
        if session is not None:
            session[PROGRAM_TZ] = name
    return name


def mark_second_factor_passed(request, user) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SECOND_FACTOR_PASSED] = user.pk
        session.pop(NO_SECOND_FACTOR, None)


def end_other_sessions(*, user, keep: str | None) -> int:
    """Delete every session of `user` but `keep` (the session of whoever made the change)."""
    sessions = SignInSession.objects.filter(user=user)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    deleted, _ = sessions.delete()
    return deleted


def passive_session(view: Callable) -> Callable:
    """For endpoints that pages poll: the request does not renew the idle timeout."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.session_passive = True
        return view(request, *args, **kwargs)

    return wrapper

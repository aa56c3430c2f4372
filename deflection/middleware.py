"""Middleware for sessions and sign-in: idle and absolute limits, and the second factor.

`SessionMiddleware` replaces Django's: a request to a polling endpoint (`passive_session`)
does not push the idle expiry forward. `SessionLimitsMiddleware` ends a session 12 hours after
sign-in. `RequireMFAMiddleware` lets a session count as signed in only once it passed the
second factor, if the account has one, and sends users without one to set it up when
REQUIRE_MFA is on. `ProgramTimeZoneMiddleware` shows every page in the user's program's time zone.
"""

import zoneinfo

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from deflection import sessions
from deflection.audit import audit_log
from deflection.models import AuditOutcome

# Paths a signed-in user without an authenticator may reach while REQUIRE_MFA sends them to set one up.
MFA_SETUP_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz")
# Paths that never need a signed-in user at all.
ALWAYS_EXEMPT_PREFIXES = ("/static/", "/healthz")


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        # A polling request that changed nothing leaves the session row (and its expiry) alone,
        # so a page left open with a progress bar does not keep an idle session alive.
        session = getattr(request, "session", None)
        if getattr(request, "session_passive", False) and session is not None and not session.modified:
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


class SessionLimitsMiddleware:
    """SECURITY.md 24: no session lasts longer than SESSION_ABSOLUTE_AGE after sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            signed_in_at = request.session.get(sessions.SIGNED_IN_AT)
            now = timezone.now().timestamp()
            if signed_in_at is None:
                # A session from before this rule: its clock starts now.
                request.session[sessions.SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_AGE.total_seconds():
                user = request.user
                logout(request)
                audit_log(action="session.expired", request=request, actor=user, detail={"limit": "absolute"})
        return self.get_response(request)


class RequireMFAMiddleware:
    """SECURITY.md 22: a session is signed in only once this session passed the second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(ALWAYS_EXEMPT_PREFIXES):
            return self.get_response(request)
        session = request.session
        if session.get(sessions.SECOND_FACTOR_PASSED) == user.pk:
            return self.get_response(request)
        if session.get(sessions.NO_SECOND_FACTOR) != user.pk:
            if Authenticator.objects.filter(user=user).exists():
                # Signed in some way that skipped the second factor: this is not a signed-in session.
                logout(request)
                audit_log(action="login.mfa_missing", request=request, actor=user, outcome=AuditOutcome.DENIED)
                return redirect_to_login(request.get_full_path())
            # Remembered for this session; adding an authenticator ends the user's other sessions.
            session[sessions.NO_SECOND_FACTOR] = user.pk
        if settings.REQUIRE_MFA and not request.path.startswith(MFA_SETUP_EXEMPT_PREFIXES):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class ProgramTimeZoneMiddleware:
    """Every page of a signed-in user is in their program's time zone (SECURITY.md: shown local).

    The zone is looked up at sign-in and kept in the session (deflection.sessions); a user of no
    program, or a signed-out visitor, sees UTC. Forms read entered times in the same zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        with timezone.override(zoneinfo.ZoneInfo(sessions.program_time_zone(request, request.user))):
            return self.get_response(request)

"""Receivers for Django's and allauth's authentication signals.

They write the audit trail (SECURITY.md 9: logins, including failures), count a wrong
second-factor code as a failed sign-in (so axes locks the account, SECURITY.md 22), and note in
the session when it signed in and that it passed the second factor (deflection.middleware).
"""

from allauth.account.internal.stagekit import clear_login
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_used
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from deflection import sessions
from deflection.audit import audit_log
from deflection.lockout import canonical_username
from deflection.models import AuditOutcome


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    sessions.mark_signed_in(request, user)
    sessions.program_time_zone(request, user)  # pages are in the program's zone from the first one
    audit_log(action="login", request=request, actor=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="logout", request=request, actor=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or credentials.get("login") or credentials.get("email") or ""
    detail = {"step": "second_factor"} if credentials.get("step") == "second_factor" else {}
    audit_log(
        action="login.failed",
        request=request,
        username=canonical_username(username) or "",
        outcome=AuditOutcome.FAILURE,
        detail=detail,
    )


@receiver(authentication_failed)
def count_failed_second_factor(sender, request, user, **kwargs):
    """A wrong TOTP or recovery code is a failed sign-in of that account: audited and counted by axes."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username(), "step": "second_factor"}, request=request
    )
    if getattr(request, "axes_locked_out", False):
        # That code locked the account: the half-finished sign-in ends with it.
        clear_login(request)


@receiver(authenticator_used)
def note_second_factor_passed(sender, request, user, **kwargs):
    sessions.mark_second_factor_passed(request, user)


@receiver(authenticator_added)
def note_second_factor_enrolled(sender, request, user, **kwargs):
    # Setting up TOTP means typing a valid code: this session has shown the second factor.
    # Sessions elsewhere never did, so they end.
    sessions.mark_second_factor_passed(request, user)
    sessions.end_other_sessions(user=user, keep=request.session.session_key)

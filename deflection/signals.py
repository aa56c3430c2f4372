"""Audit receivers for Django's authentication signals (SECURITY.md 9: logins, including failures)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from deflection.audit import audit_log
from deflection.models import AuditOutcome


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_log(action="login", request=request, actor=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action="logout", request=request, actor=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or credentials.get("login") or credentials.get("email") or ""
    audit_log(action="login.failed", request=request, username=str(username), outcome=AuditOutcome.FAILURE)

"""Middleware that enforces multi-factor authentication once it is switched on."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.shortcuts import redirect

# Paths a signed-in user without MFA may still reach: setting MFA up, leaving, static, health.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz")
SESSION_KEY = "deflection_has_totp"


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.REQUIRE_MFA
            and request.user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not self._has_totp(request)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _has_totp(request) -> bool:
        # Remembered in the session once seen, so a signed-in request costs no extra query.
        if request.session.get(SESSION_KEY) == request.user.pk:
            return True
        if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
            request.session[SESSION_KEY] = request.user.pk
            return True
        return False

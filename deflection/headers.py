"""Response headers that depend on who is signed in (SECURITY.md 15 and 29).

Every response to a signed-in user is `Cache-Control: no-store`, so no page with
participant data stays in the browser's back/forward cache or disk cache on a
shared squad-car laptop after sign-out. Every response carries a
`Permissions-Policy` that switches off browser features the app never uses.
"""

from django.utils.cache import add_never_cache_headers

# Only the referral form asks for the location (to fill in where the encounter took place).
PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        "camera=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "bluetooth=()",
        "midi=()",
        "magnetometer=()",
        "gyroscope=()",
        "accelerometer=()",
        "display-capture=()",
        "browsing-topics=()",
    ]
)


class SignedInHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Asked after the view: a sign-in POST has just made the user authenticated, a sign-out anonymous.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Replaces anything a view set (e.g. `private, max-age`): nothing signed-in is ever stored.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

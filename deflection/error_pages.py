"""The site's 500 handler: a database that cannot be reached is a plain 503, anything else a plain 500.

Both pages are static (no context processors, no database, no personal data, no traceback), so they
render while PostgreSQL is down. A 503 tells the load balancer and the officer's browser to try
again; nothing was committed, and the officer's draft is still in the browser (SECURITY.md 21).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

# Seconds a client should wait before retrying: about how long a PostgreSQL restart or failover takes.
RETRY_AFTER_SECONDS = 30


def database_unreachable(exc: BaseException | None) -> bool:
    """OperationalError covers refused and dropped connections and a server shutting down;
    InterfaceError a connection Django held that the server has since closed."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    if database_unreachable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponseServerError(loader.get_template(template_name).render())
    response["Cache-Control"] = "no-store"
    return response

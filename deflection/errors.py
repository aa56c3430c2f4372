"""The one service error type, and the one view helper that turns it into a response.

A service that refuses raises `ServiceError` with the words the person should read (never personal
data: the message may reach a log), the HTTP status the refusal deserves, and a short `code` for
callers and tests that must tell refusals apart. A view catches it and calls `refusal_response`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class ServiceError(Exception):
    """A workflow refused; `message` is shown to the person as it is.

    status 400: the input was wrong (fix it and try again); 403: not allowed (consent, membership,
    time window); 409: it conflicts with what is recorded (already answered, full); 422: understood
    but the rules say no (a failed eligibility criterion). `detail` carries what a page needs to
    explain more (the failed criteria, say).
    """

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid", detail: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.detail = detail


def refusal_response(
    request: HttpRequest,
    error: ServiceError,
    template: str,
    context: dict,
    *,
    form=None,
    field: str | None = None,
) -> HttpResponse:
    """Render `template` again with the refusal, with the error's status.

    Bad input (400) goes on the form, beside `field` (or above all fields), when there is a form;
    any other refusal, or one without a form, is `refusal` in the context for the page to show.
    """
    if form is not None and error.status == 400:
        form.add_error(field, error.message)
    else:
        context["refusal"] = error.message
    return render(request, template, context, status=error.status)

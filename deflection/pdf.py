"""PDF rendering with WeasyPrint that can only read the app's own static files (SECURITY.md 16).

Templates are ordinary Django templates (autoescaped, so user text is always
escaped) and refer to CSS and images with {% static %}. Any other URL —
remote hosts, file:// paths, data the template did not ship — is refused.
"""

from __future__ import annotations

import base64
import mimetypes
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

# WeasyPrint resolves relative URLs against this; the fetcher maps it back to static files.
PDF_BASE_URL = "https://deflection.invalid/"


INLINE_PNG = "data:image/png;base64,"


class ForbiddenResource(ValueError):
    pass


def read_static(url: str) -> tuple[bytes, str]:
    """The bytes and MIME type of one of our static files named by `url`; anything else is refused.

    An inline PNG (a drawn signature, stored with the record) is the one exception: it is
    decoded in place and fetches nothing.
    """
    if url.startswith(INLINE_PNG):
        return base64.b64decode(url[len(INLINE_PNG) :], validate=True), "image/png"
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.netloc != urlparse(PDF_BASE_URL).netloc:
        raise ForbiddenResource(f"PDF rendering may not fetch {parsed.scheme}://{parsed.netloc}")
    path = unquote(parsed.path)
    if not path.startswith(settings.STATIC_URL):
        raise ForbiddenResource("PDF rendering may only fetch static files")
    relative = path[len(settings.STATIC_URL) :]
    if ".." in relative.split("/"):
        raise ForbiddenResource("PDF rendering may not leave the static folders")
    found = finders.find(relative)
    if not found:
        raise ForbiddenResource(f"no static file {relative}")
    with open(found, "rb") as handle:
        return handle.read(), mimetypes.guess_type(found)[0] or "application/octet-stream"


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415  (heavy import)

    class StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime_type = read_static(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    return StaticOnlyURLFetcher()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415  (heavy import; only PDF paths pay for it)

    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_fetcher()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template_name, context))

"""Gunicorn's access log, minus the client address and the time of day for the anonymous pages (SECURITY.md 30).

A line "203.0.113.7 - [28/Nov/2026:07:41:12] POST /feedback/surveys/4/" would tie an anonymous
answer to a squad car's address and to the second it was sent, which the database is built not
to record. For the suggestion box and the surveys (the forms, and the pages their POSTs redirect
to) the line keeps the method, the path, the status and the day, and nothing that names the
client: no address, user, referrer, user agent, request headers, query string or duration.
Every other request is logged as gunicorn logs it, except that a Referer or a query string naming
those pages is cut. Used by `--logger-class` in the Procfile.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from gunicorn.glogging import Logger

# The URL prefixes of feedback/urls.py whose requests may come from an anonymous writer. Matched
# by prefix, so the redirect after a POST (".../suggestions/?sent=1", "/surveys/?answered=4") is covered too.
ANONYMOUS_PATHS = re.compile(r"^/feedback/(suggestions|surveys)/")
# The same pages named inside another request: the sign-in page's "?next=/feedback/surveys/4/" after a
# session expired mid-answer, and the Referer of the click after "?sent=1".
MENTIONS_ANONYMOUS_PATH = re.compile(r"/feedback/(suggestions|surveys)/")


class PrivacyAccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("PATH_INFO") or ""
        if not ANONYMOUS_PATHS.match(path):
            # An ordinary request keeps its line; only a mention of the anonymous pages is cut out of it.
            if MENTIONS_ANONYMOUS_PATH.search(urlsplit(atoms.get("f") or "").path):
                atoms["f"] = "-"
                atoms.pop("{referer}i", None)
            if MENTIONS_ANONYMOUS_PATH.search(unquote(environ.get("QUERY_STRING") or "")):
                atoms["q"] = "-"
                atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
            return atoms
        method = environ.get("REQUEST_METHOD", "-")
        day = self.now()[:12] + "]"  # "[28/Nov/2026" of gunicorn's "[28/Nov/2026:07:41:12 +0000]"
        # A fresh dict rather than a filtered one: a format string naming any other atom gets "-".
        return {
            "h": "-",
            "l": "-",
            "u": "-",
            "t": day,
            "r": f"{method} {path} {environ.get('SERVER_PROTOCOL', '-')}",
            "s": atoms["s"],
            "m": method,
            "U": path,
            "H": environ.get("SERVER_PROTOCOL", "-"),
            "p": atoms["p"],
        }

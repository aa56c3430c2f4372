"""Walks the whole site from Django's URL resolver, so a new URL is covered without anyone adding it.

`url_patterns()` lists every pattern with the names of its parameters; `hostile_paths()` fills
those parameters with ids that have broken views before; `crawl()` follows the links and forms
a signed-in user is shown, so that pages behind real ids are reached too.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

# Ids that reached a view's int() or the database and answered 500 before (issue 10).
HOSTILE_IDS = ["\x00", "²", "٣", "99999999999999999999999", "garbage"]
# Query and form values: NUL, digits int() refuses, overflow, dates past year 9999 in UTC, year 1, garbage.
HOSTILE_VALUES = ["a\x00b", "²", "99999999999999999999999", "9999-12-31T23:00", "0001-01-01", "garbage"]
# Patterns the walk leaves alone: signing out would end the walk's session; static files are not views.
SKIPPED_NAMES = {"account_logout"}
SKIPPED_PREFIXES = ("/static/", "/media/")
BASE_DIR = Path(__file__).resolve().parent.parent
APPS = ("deflection", "referrals", "training", "feedback", "reports")


@dataclass(frozen=True)
class Pattern:
    route: str  # e.g. "referrals/case/<str:pk>/"
    name: str
    params: tuple[str, ...]

    def path(self, values: dict[str, str]) -> str:
        def fill(match):
            return quote(values[match.group(2)], safe="")

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.route)


def _route_text(pattern) -> str:
    return str(pattern.pattern)


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, with path parameters, admin included."""
    found: list[Pattern] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            text = _route_text(entry)
            if text.startswith("^") or "(?P<" in text or "\\" in text:
                # A regex route (the admin's catch-alls, allauth's few): use it with its parameters as plain text.
                text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text).strip("^$").replace("\\", "")
                text = re.sub(r"[\^\$\?\*\+\(\)\[\]]", "", text)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + text, ns)
            elif isinstance(entry, URLPattern):
                route = prefix + text
                params = tuple(m.group(2) for m in re.finditer(r"<(?:(\w+):)?(\w+)>", route))
                found.append(Pattern(route=route, name=f"{namespace}{entry.name or ''}", params=params))

    walk(get_resolver().url_patterns, "", "")
    return [p for p in found if p.name not in SKIPPED_NAMES]


def hostile_paths(pattern: Pattern) -> list[str]:
    if not pattern.params:
        return [pattern.path({})]
    return [pattern.path(dict.fromkeys(pattern.params, value)) for value in HOSTILE_IDS]


def query_names() -> set[str]:
    """Every request.GET / request.POST key the apps read by name, plus what bound forms commonly use."""
    names = {"q", "page", "agency", "unit", "program", "period", "start", "end", "year", "month", "quarter"}
    pattern = re.compile(r"request\.(?:GET|POST)(?:\.get|\.getlist)?[\(\[]\s*[\"'](\w+)[\"']")
    for app in APPS:
        for source in (BASE_DIR / app).rglob("*.py"):
            names |= set(pattern.findall(source.read_text()))
    return names


def hostile_queries(names: set[str]) -> list[str]:
    """One query string per hostile value, every known name carrying it (so a view sees all at once)."""
    return [urlencode(dict.fromkeys(sorted(names), value)) for value in HOSTILE_VALUES]


class _PageParser(HTMLParser):
    """Collects links and forms (method, action, field names) from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "", "fields": {}}
            )
        elif tag in {"input", "select", "textarea", "button"} and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "")


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


def pattern_name_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def crawl(client, starts: list[str], *, per_pattern: int = 1, limit: int = 120):
    """Yield (path, response, parsed page) for pages reachable from `starts`, one URL per pattern name."""
    seen_paths: set[str] = set()
    per_name: dict[str, int] = {}
    queue = deque(starts)
    while queue and len(seen_paths) < limit:
        path = queue.popleft()
        parts = urlsplit(path)
        if parts.netloc or parts.scheme or not parts.path.startswith("/") or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        name = pattern_name_of(parts.path)
        if name is None or name in SKIPPED_NAMES or path in seen_paths:
            continue
        if per_name.get(name, 0) >= per_pattern:
            continue
        per_name[name] = per_name.get(name, 0) + 1
        seen_paths.add(path)
        response = client.get(path)
        page = None
        if response.status_code in {301, 302, 303} and response.get("Location"):
            queue.append(urljoin(parts.path, response["Location"]))
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            page = parse_page(response.content.decode(errors="replace"))
            for link in page.links:
                queue.append(urljoin(parts.path, link).split("#")[0])
            for form in page.forms:
                queue.append(urljoin(parts.path, form["action"] or parts.path))
        yield path, response, page

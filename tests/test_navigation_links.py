"""No link in a role's navigation leads to a 404 or a 403 (issue 12), found by crawling as each role.

For every role the crawl opens the home page and follows every link on it (the menu and the home
page's calls to action), then every link inside a `<nav>` of each page it reaches (the sub-menus),
until no new link turns up. Every target must answer 200 for that role, after redirects. A link
added to the menu or a sub-menu is covered without anyone adding it here.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

ROLES = ["officer", "dispatcher", "supervisor", "command", "case_manager", "coordinator", "administrator"]
# Links the crawl does not follow: signing out would end the crawl's session (it is a form, not a link,
# but a stray link would be caught too); static files and the admin site are not product pages.
NOT_FOLLOWED = ("/accounts/logout", "/static/", "/media/", "/admin/")


class _Links(HTMLParser):
    """All links on a page, and those inside a <nav> element apart."""

    def __init__(self) -> None:
        super().__init__()
        self.all: list[tuple[str, str]] = []
        self.in_nav: list[tuple[str, str]] = []
        self._nav_depth = 0
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self._nav_depth += 1
        elif tag == "a" and dict(attrs).get("href"):
            self._href, self._text = dict(attrs)["href"], []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav_depth -= 1
        elif tag == "a" and self._href is not None:
            link = (self._href, " ".join("".join(self._text).split()))
            self.all.append(link)
            if self._nav_depth:
                self.in_nav.append(link)
            self._href = None


def _links(response) -> _Links:
    parser = _Links()
    parser.feed(response.content.decode())
    return parser


def _followable(base: str, href: str) -> str | None:
    target = urljoin(base, href).split("#")[0]
    parts = urlsplit(target)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "testserver"} or href.startswith("mailto:"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if path.startswith(NOT_FOLLOWED) else path


def navigation_targets(client) -> dict[str, tuple[str, str]]:
    """Every link the role is offered: {target: (page it was on, link text)}, from home and all sub-menus."""
    home = client.get("/", follow=True)
    assert home.status_code == 200
    home_path = home.redirect_chain[-1][0] if home.redirect_chain else "/"
    found: dict[str, tuple[str, str]] = {}
    queue = deque()
    for href, text in _links(home).all:
        target = _followable(home_path, href)
        if target and target not in found:
            found[target] = (home_path, text)
            queue.append(target)
    visited = {home_path}
    while queue:
        path = queue.popleft()
        if path in visited:
            continue
        visited.add(path)
        response = client.get(path, follow=True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href, text in _links(response).in_nav:
            target = _followable(path, href)
            if target and target not in found:
                found[target] = (path, text)
                queue.append(target)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_link_a_role_is_offered_answers_200(client, full_world, role):
    client.force_login(getattr(full_world, role))
    targets = navigation_targets(client)
    assert len(targets) > 5, targets  # the crawl did reach the menu
    broken = []
    for target, (source, text) in sorted(targets.items()):
        response = client.get(target, follow=True)
        if response.status_code != 200:
            broken.append(f"{text!r} on {source} -> {target} answered {response.status_code}")
    assert not broken, "\n".join(broken)


def test_a_dispatcher_is_offered_no_referral_link(client, full_world):
    client.force_login(full_world.dispatcher)
    targets = navigation_targets(client)
    referral_links = [
        (t, text) for t, (_s, text) in targets.items() if t.startswith("/referrals/new") or "referral" in text.lower()
    ]
    assert not referral_links, referral_links

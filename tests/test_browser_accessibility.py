"""axe-core on every role's main pages, in Chromium at phone size (issue 12): no serious or critical violation.

The main pages are the role's home page with its menu open and every page its menu links to, so a page
added to a role's menu is checked without anyone adding it here. axe-core comes with
axe-playwright-python (no CDN) and is injected through the browser's devtools protocol, which the
pages' Content-Security-Policy does not govern.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from conftest import browser_login

pytestmark = pytest.mark.browser

ROLES = ["officer", "dispatcher", "supervisor", "command", "case_manager", "coordinator", "administrator"]
BLOCKING = {"serious", "critical"}
axe = Axe()


def _node(node) -> str:
    checks = node.get("any") or node.get("all") or []
    return f"{node['target'][0]} [{checks[0]['message']}]" if checks else str(node["target"][0])


def blocking_violations(page) -> list[str]:
    results = axe.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: " + "; ".join(_node(n) for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def menu_links(page) -> list[str]:
    return page.eval_on_selector_all(".nav-menu-list a[href]", "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_accessibility_violation_on_a_roles_main_pages(phone, full_world, role):
    browser_login(phone, getattr(full_world, role).username, full_world.password)
    phone.locator("summary", has_text="Menu").tap()
    problems = blocking_violations(phone)
    for href in menu_links(phone):
        phone.goto(href)
        problems += blocking_violations(phone)
    assert not problems, "\n".join(problems)


def test_no_serious_accessibility_violation_on_the_sign_in_page(phone, db):
    phone.goto("/accounts/login/")
    assert not blocking_violations(phone)

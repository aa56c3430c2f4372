"""Every signed-in response is `Cache-Control: no-store` and carries a Permissions-Policy (SECURITY.md 29).

The pages are found through Django's URL resolver (every pattern, ids filled in) and by following
the links each role is shown, so a new page is checked without anyone adding it here.
"""

import pytest

from tests.urlwalk import crawl, url_patterns

# One role per kind of page set (police, treatment team, program staff); the middleware does not look at roles.
ROLES = ["officer", "command", "case_manager", "coordinator"]


def _header_problems(path, response):
    problems = []
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"{path} ({response.status_code}): Cache-Control is {response.get('Cache-Control')!r}")
    if "camera=()" not in response.get("Permissions-Policy", ""):
        problems.append(f"{path} ({response.status_code}): no Permissions-Policy")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_page_is_no_store_with_a_permissions_policy(client, full_world, role):
    client.force_login(getattr(full_world, role))
    problems, pages = [], 0
    for pattern in url_patterns():
        path = pattern.path(dict.fromkeys(pattern.params, "1"))
        problems += _header_problems(path, client.get(path))
    for path, response, page in crawl(client, ["/"]):
        pages += page is not None
        problems += _header_problems(path, response)
    assert pages > 5  # the walk really reached the role's pages
    assert not problems, "\n".join(problems)


def test_signed_out_pages_carry_the_permissions_policy(client, db):
    response = client.get("/accounts/login/")
    assert "geolocation=(self)" in response["Permissions-Policy"]

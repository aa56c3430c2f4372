"""Bad input of any kind is a 4xx, never a 500 (SECURITY.md 17), checked from Django's URL resolver.

Every URL pattern is requested as every role, anonymous included, with hostile path ids, hostile
query values and a hostile POST body; then every page the role can reach by following links is
requested with hostile query strings, and each of its forms is posted with hostile values. A new
URL or form is covered without anyone adding it here.
"""

import pytest

from tests.urlwalk import HOSTILE_VALUES, crawl, hostile_paths, hostile_queries, query_names, url_patterns

ROLES = ["anonymous", "officer", "dispatcher", "supervisor", "command", "case_manager", "coordinator", "administrator"]


def _problem(method, path, response):
    # The health check answers 503 by design when no worker heartbeat is recorded.
    if response.status_code < 500 or (response.status_code == 503 and path.startswith("/healthz")):
        return None
    exc = getattr(response, "exc_info", None)
    return f"{method} {path!r} -> {response.status_code} {exc[1]!r}" if exc else f"{method} {path!r} -> {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_5xx_to_hostile_ids_values_or_forms(client, full_world, role):
    client.raise_request_exception = False
    if role != "anonymous":
        client.force_login(getattr(full_world, role))
    names = query_names()
    queries = hostile_queries(names)
    problems = []

    def check(method, path, response):
        problem = _problem(method, path, response)
        if problem:
            problems.append(problem)

    for index, pattern in enumerate(url_patterns()):
        for path in hostile_paths(pattern):
            query = queries[index % len(queries)]
            check("GET", f"{path}?{query}", client.get(f"{path}?{query}"))
            body = dict.fromkeys(names, HOSTILE_VALUES[index % len(HOSTILE_VALUES)])
            check("POST", path, client.post(path, body))

    for path, response, page in crawl(client, ["/", "/referrals/", "/training/", "/feedback/suggestions/"]):
        check("GET", path, response)
        if page is None:
            continue
        base = path.split("?")[0]
        for query in queries:
            check("GET", f"{base}?{query}", client.get(f"{base}?{query}"))
        for form in page.forms:
            action = form["action"] or base
            if not action.startswith("/") or "logout" in action:
                continue
            for value in HOSTILE_VALUES:
                data = {name: (default if name == "csrfmiddlewaretoken" else value) for name, default in form["fields"].items()}
                if form["method"] == "post":
                    check("POST", action, client.post(action, data))
                else:
                    check("GET", action, client.get(action, data))
    assert not problems, "\n".join(sorted(set(problems)))

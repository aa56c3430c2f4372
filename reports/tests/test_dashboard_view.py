"""The command-staff dashboard: who sees it, what it shows, bad periods, and a constant query count."""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from deflection.models import AuditEvent
from reports.pages import HIDDEN_BECAUSE
from reports.tests.conftest import PARTICIPANT_NAMES, add_officers, make_referrals


def url(world, **query):
    base = reverse("reports:program_dashboard", args=[world.program.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("persona", ["supervisor", "command", "coordinator", "administrator"])
def test_staff_roles_see_the_dashboard(client, reports_world, persona):
    client.force_login(getattr(reports_world, persona))
    response = client.get(url(reports_world, period="2026-03"))
    assert response.status_code == 200
    assert b"Deflection dashboard" in response.content


@pytest.mark.parametrize("persona", ["officer", "dispatcher", "case_manager", "outsider"])
def test_other_roles_get_a_404_and_an_audit_record(client, reports_world, persona):
    client.force_login(getattr(reports_world, persona))
    assert client.get(url(reports_world)).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=getattr(reports_world, persona)).exists()


def test_march_headline_figures(client, reports_world):
    client.force_login(reports_world.command)
    html = client.get(url(reports_world, period="2026-03")).content.decode()
    # 54 referrals in March; 30 quality referrals (15 + 3 + 12); all 54 contacted.
    assert re.search(r"Referrals</div>\s*<div class=\"stat tile-value\">54<", html)
    assert re.search(r"Quality referrals</div>\s*<div class=\"stat tile-value\">30<", html)
    assert "56% of referrals" in html  # 30 of 54
    for name in PARTICIPANT_NAMES:
        assert name not in html


def test_an_agency_filter_shows_that_agency(client, reports_world):
    client.force_login(reports_world.command)
    html = client.get(url(reports_world, period="2026-03", agency=reports_world.sheriff.pk)).content.decode()
    assert re.search(r"Referrals</div>\s*<div class=\"stat tile-value\">20<", html)
    assert "County Sheriff" in html


def test_an_unknown_agency_is_a_404(client, reports_world):
    client.force_login(reports_world.command)
    assert client.get(url(reports_world, agency=reports_world.outsider_agency.pk)).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"period": "2026-13"},
        {"period": "garbage"},
        {"period": "2026-Q5"},
        {"period": "2026-03-15..2026-03-01"},
        {"period": "1000-01..3000"},
        {"start": "2026-03-01"},
        {"start": "2026-03-01", "end": "not-a-date"},
        {"period": "9" * 500},
    ],
)
def test_a_bad_period_is_a_400_with_a_message(client, reports_world, query):
    client.force_login(reports_world.command)
    response = client.get(url(reports_world, **query))
    assert response.status_code == 400
    assert b"That period cannot be shown" in response.content


def test_a_custom_range_shows_referrals_and_withholds_outcomes(client, reports_world):
    client.force_login(reports_world.command)
    response = client.get(url(reports_world, start="2026-03-01", end="2026-03-31"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"Referrals</div>\s*<div class=\"stat tile-value\">54<", html)
    assert "whole months, quarters and years only" in html


def test_an_unknown_program_is_a_404(client, reports_world):
    client.force_login(reports_world.command)
    assert client.get(reverse("reports:program_dashboard", args=[reports_world.other_program.pk])).status_code == 404
    # Ids are digits only in the URL patterns, so reverse() refuses this one: request it by path.
    assert client.get("/reports/programs/not-a-number/dashboard/").status_code == 404


def test_the_query_count_does_not_grow_with_officers_or_referrals(client, django_assert_max_num_queries, reports_world):
    client.force_login(reports_world.command)
    target = url(reports_world, period="2026-Q1")
    client.get(target)  # warm the session and the cache of publications alike for both runs
    with django_assert_max_num_queries(40) as few:
        assert client.get(target).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(40) as cold:
        assert client.get(target).status_code == 200
    cache.clear()  # the training dates are counted afresh in both
    add_officers(reports_world, 25)
    with django_assert_max_num_queries(40) as fresh:
        assert client.get(target).status_code == 200
    # Publishing afresh (new inputs: the new officers' unit) costs what a cold view with the few did, whatever
    # the number of officers: each month's officer cells and the stored final levels read once (README rule 2),
    # and one statement more, which writes the final levels published afresh (the cold view read them back).
    assert len(fresh) <= len(cold) + 1
    with django_assert_max_num_queries(40) as many:
        assert client.get(target).status_code == 200
    assert len(many) <= len(few)
    assert len(few) < 25


def test_every_page_is_free_of_inline_scripts_and_styles(client, reports_world):
    client.force_login(reports_world.command)
    html = client.get(url(reports_world, period="2026-03")).content.decode()
    assert " style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


# Opening on the latest month, tiles that explain themselves, definitions, referring agencies (issue 12).

# What a tile may say to explain itself: the reasons for hidden figures, and those of medians and people.
REASONS = (
    *HIDDEN_BECAUSE.values(),
    "Medians are published for whole months, quarters and years only",
    "a median would describe individuals",
    "No one referred in the period has reached this step yet.",
    "Different people are counted per quarter only",
)
HIDDEN_VALUES = ("not shown", "follow-up still open", "withheld", "fewer than", "whole months", "published by quarter")


def tiles_of(html):
    """(label, value, the rest of the tile's text) for each headline tile."""
    section = html[html.index('id="headline"') :]
    section = section[: section.index("</section>")]
    found = []
    for tile in section.split('h-100 tile">')[1:]:
        parts = [re.sub(r"<[^>]+>", "", part).strip() for part in re.findall(r"<div[^>]*>((?:(?!<div).)*?)</div>", tile, re.S)]
        found.append((parts[0], parts[1], " ".join(parts[2:])))
    return found


def test_the_dashboard_opens_on_the_latest_month_with_published_figures(client, reports_world):
    client.force_login(reports_world.command)
    html = client.get(url(reports_world)).content.decode()
    # Mid-June 2026: May is the latest complete month (March is merely the latest with final outcomes).
    assert "· May 2026" in html
    assert "· March 2026" not in html


@pytest.mark.parametrize(
    ("period", "agency"),
    [("2026-05", None), ("2026-06", None), ("2026-03", "sheriff"), ("2026-Q1", "sheriff"), ("2026-Q2", None), ("2026", None)],
)
def test_every_hidden_or_open_tile_says_why_on_the_tile(client, reports_world, period, agency):
    add_officers(reports_world, 3, referrals_each=2, quality_each=1)
    make_referrals(reports_world, reports_world.officer, reports_world.police, 14, 0, datetime(2026, 5, 12, 15, tzinfo=UTC))
    client.force_login(reports_world.command)
    query = {"period": period} | ({"agency": getattr(reports_world, agency).pk} if agency else {})
    tiles = tiles_of(client.get(url(reports_world, **query)).content.decode())
    unexplained = [
        (label, value, rest)
        for label, value, rest in tiles
        if any(word in value for word in HIDDEN_VALUES) and not any(why in rest for why in REASONS)
    ]
    assert unexplained == []
    assert any(any(word in value for word in HIDDEN_VALUES) for _label, value, _rest in tiles)


def test_an_open_median_tile_says_when_it_will_be_shown(client, reports_world):
    client.force_login(reports_world.command)
    tiles = {
        label: (value, rest) for label, value, rest in tiles_of(client.get(url(reports_world, period="2026-06")).content.decode())
    }
    value, rest = tiles["Median time to treatment entry"]
    assert value == "follow-up still open"
    assert "Shown once every referral of the period has had its full follow-up window." in rest


def test_quality_referral_is_defined_on_the_tile_that_shows_it(client, reports_world):
    client.force_login(reports_world.command)
    tiles = {label: rest for label, _value, rest in tiles_of(client.get(url(reports_world, period="2026-03")).content.decode())}
    assert (
        "Quality referrals: Referrals whose person engaged in treatment within 30 days of the referral."
        in tiles["Quality referrals"]
    )


def test_the_agency_table_and_picker_list_referring_agencies_only(client, reports_world):
    client.force_login(reports_world.command)
    html = client.get(url(reports_world, period="2026-03")).content.decode()
    table = html[html.index('id="agencies"') :]
    table = table[: table.index("</table>")]
    assert "Riverside PD" in table and "County Sheriff" in table
    # Harbor Light is the program's treatment provider: its staff make no referrals.
    assert reports_world.provider.name not in html

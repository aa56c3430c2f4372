"""The Illinois quarterly deflection dataset (5 ILCS 820/25): coordinators only, audited, and every figure
published by the rules of the pages (participants, age groups, engagement, its share and median time)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from deflection.models import AuditEvent
from deflection.suppression import Published, Reason
from referrals.models import Participant, Referral
from reports.periods import Period
from reports.state import NOT_RECORDED, _age_series, people_by_age_group
from reports.tests.conftest import PARTICIPANT_NAMES


def url(world, quarter=None):
    base = reverse("reports:illinois_export", args=[world.program.pk])
    return f"{base}?quarter={quarter}" if quarter else base


def _set_births(world):
    """Q1's 79 people: 40 born in 1995 (30 or 31), 30 born in 1975 (50 or 51), 9 with no date of birth."""
    ids = list(Referral.objects.filter(program=world.program).order_by("pk").values_list("participant_id", flat=True))
    for pk in ids[:40]:
        Participant.objects.filter(pk=pk).update(date_of_birth=date(1995, 6, 1))
    for pk in ids[40:70]:
        Participant.objects.filter(pk=pk).update(date_of_birth=date(1975, 6, 1))


def _values(response) -> dict[tuple[str, str], str]:
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "measure", "group", "value", "definition"]
    return {(r[1], r[2]): r[3] for r in rows[1:] if len(r) == 5}


def test_a_coordinator_downloads_q1_with_every_figure_published_as_on_the_pages(client, reports_world):
    _set_births(reports_world)
    client.force_login(reports_world.coordinator)
    response = client.get(url(reports_world, "2026-Q1"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    values = _values(response)
    assert values[("Participants", "all")] == "79"
    assert values[("Participants by age group", "26 to 34")] == "40"
    # 9 people without a date of birth are a small count; another group is hidden so it cannot be
    # worked out as 79 - 40 - 30.
    assert values[("Participants by age group", NOT_RECORDED)] == "fewer than 11"
    assert values[("Participants by age group", "45 to 54")] == "not shown"
    assert values[("Referrals", "all pathways")] == "79"
    assert values[("Engaged in treatment within 30 days", "referrals")] == "43"  # as the federal export
    assert values[("Engaged in treatment within 30 days", "share of referrals")] == "54%"
    assert values[("Time from encounter to treatment engagement", "median")] == "3.0 days"
    body = response.content.decode()
    assert all(name not in body for name in PARTICIPANT_NAMES)
    assert AuditEvent.objects.filter(action="illinois_export.csv", actor=reports_world.coordinator).exists()


def test_the_quarter_still_in_follow_up_shows_no_engagement_yet(client, reports_world):
    client.force_login(reports_world.coordinator)
    values = _values(client.get(url(reports_world, "2026-Q2")))  # mid-June: Q2's 30 days are not over
    assert values[("Time from encounter to treatment engagement", "median")] == "follow-up still open"


def test_age_groups_add_up_to_the_people_count_and_hide_with_it(reports_world):
    _set_births(reports_world)
    quarter = Period.parse("2026-Q1", reports_world.program.time_zone)
    groups = people_by_age_group(reports_world.program, quarter)
    assert sum(groups.values()) == 79 and groups["26 to 34"] == 40 and groups[NOT_RECORDED] == 9
    hidden_people = Published.hidden(Reason.SMALL_COUNT, 11)
    assert all(figure.is_suppressed for figure in _age_series(groups, hidden_people, 11).values())


@pytest.mark.parametrize("persona", ["command", "officer", "supervisor", "case_manager"])
def test_only_coordinators_and_administrators_export(client, reports_world, persona):
    client.force_login(getattr(reports_world, persona))
    assert client.get(url(reports_world, "2026-Q1")).status_code == 404


@pytest.mark.parametrize("quarter", ["2026-03", "2026-Q9", "nonsense", "2026", "2026-Q1\x00"])
def test_a_bad_quarter_is_a_400(client, reports_world, quarter):
    client.force_login(reports_world.coordinator)
    assert client.get(url(reports_world, quarter)).status_code == 400


def test_the_page_offers_the_last_eight_quarters(client, reports_world):
    client.force_login(reports_world.coordinator)
    page = client.get(url(reports_world))
    assert page.status_code == 200 and "2026-Q1" in page.content.decode()

"""selectors.officer_outcome_summary: "of your 30 referrals, 14 engaged", only when no small count can be worked out.

Figures run in quarterly editions (1 April, 1 July, 1 October, and a final one on 1 February) over the
referrals that have had 30 days; a figure is hidden when it is small, when the people who did not engage
are few, or when it moved by 1 to 10 since the last shown edition (the officer knows which of their
referrals are new).
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from feedback.selectors import officer_outcome_summary
from referrals.models import Referral
from referrals.tests.factories import ConsentFactory, ReferralFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=CHICAGO)  # the 1 April edition is the latest
JULY = datetime.datetime(2026, 7, 10, 12, 0, tzinfo=CHICAGO)  # the 1 July edition is the latest


def refer(world, when, n, engaged=0, after=datetime.timedelta(days=5)):
    for i in range(n):
        ReferralFactory(
            program=world.program,
            officer=world.officer,
            agency=world.police,
            provider=world.provider,
            created_at=when,
            engaged_at=when + after if i < engaged else None,
        )


def summary_at(world, now=NOW):
    with time_machine.travel(now, tick=False), timezone.override(CHICAGO):
        return officer_outcome_summary(world.officer)


def this_year(summary):
    return next(year for year in summary.years if year.year == 2026)


@pytest.mark.parametrize(
    ("engaged", "display", "rate"),
    [
        (14, "14", "47%"),  # shown
        (5, "fewer than 11", "not shown"),  # a small count
        (25, "not shown", "not shown"),  # 5 did not engage: a small count by subtraction
    ],
)
def test_engaged_is_shown_only_when_no_small_count_follows(world, engaged, display, rate):
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 30, engaged)
    year = this_year(summary_at(world))
    assert year.referred == 30
    assert year.engaged.display == display
    assert year.engaged_rate.display == rate
    if display != "14":
        assert year.engaged.value is None  # a hidden figure carries no number for any template to print


def test_engagement_after_30_days_does_not_count(world):
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 30, 14, after=datetime.timedelta(days=45))
    assert this_year(summary_at(world)).engaged.display == "0"


def test_one_new_outcome_cannot_be_read_off_the_difference_from_last_month(world):
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 30, 14)
    assert this_year(summary_at(world)).engaged.display == "14"
    # One more referral on 15 March, engaged: it enters the July edition. 15 would tell the officer who engaged.
    refer(world, datetime.datetime(2026, 3, 15, 10, tzinfo=CHICAGO), 1, 1)
    year = this_year(summary_at(world, JULY))
    assert year.referred == 31
    assert year.engaged.display == "not shown"
    # Ten more people engage: the figure moved by 11 since the last shown edition, so it shows again.
    refer(world, datetime.datetime(2026, 3, 20, 10, tzinfo=CHICAGO), 10, 10)
    assert this_year(summary_at(world, JULY)).engaged.display == "25"


def test_one_new_non_engagement_cannot_be_read_off_either(world):
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 30, 14)
    refer(world, datetime.datetime(2026, 3, 15, 10, tzinfo=CHICAGO), 1, 0)
    # Engaged stayed at 14, but "16 -> 17 did not engage" would give the new person away.
    assert this_year(summary_at(world, JULY)).engaged.display == "not shown"


def test_recent_referrals_wait_for_their_30_days(world):
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 30, 14)
    refer(world, datetime.datetime(2026, 3, 20, 10, tzinfo=CHICAGO), 4, 0)
    summary = summary_at(world)
    year = this_year(summary)
    assert summary.referrals_this_year == 34
    assert year.as_of == datetime.date(2026, 4, 1)
    assert year.referred == 30 and year.cohort_end == datetime.date(2026, 3, 2) and not year.final
    assert year.engaged.display == "14"


def test_before_april_only_last_year_shows_and_its_final_edition_comes_in_february(world):
    refer(world, datetime.datetime(2025, 6, 5, 10, tzinfo=CHICAGO), 30, 14)
    refer(world, datetime.datetime(2025, 12, 20, 10, tzinfo=CHICAGO), 11, 0)
    refer(world, datetime.datetime(2026, 1, 3, 10, tzinfo=CHICAGO), 2, 0)
    summary = summary_at(world, datetime.datetime(2026, 1, 20, tzinfo=CHICAGO))
    assert [year.year for year in summary.years] == [2025]
    assert summary.referrals_this_year == 2
    last = summary.years[0]
    assert not last.final and last.as_of == datetime.date(2025, 10, 1) and last.referred == 30
    assert last.engaged.display == "14"
    # 1 February: every 2025 referral has had its 30 days, December's too.
    final = summary_at(world, datetime.datetime(2026, 2, 3, tzinfo=CHICAGO)).years[0]
    assert final.year == 2025 and final.final and final.referred == 41 and final.engaged.display == "14"


def test_a_stricter_program_threshold_applies(world):
    world.program.suppression_threshold = 20
    world.program.save(update_fields=["suppression_threshold"])
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 40, 14)
    summary = summary_at(world)
    assert summary.threshold == 20
    assert this_year(summary).engaged.display == "fewer than 20"


def test_the_feed_page_prints_only_what_the_summary_shows(client, world):
    refer(world, datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO), 30, 25)
    client.force_login(world.officer)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/feedback/feed/").content.decode()
    assert "You have made <strong>30</strong> referrals this year" in body
    assert "not shown" in body
    assert ">25<" not in body and "83%" not in body


def _consent_for(world, referrals):
    for referral in referrals:
        ConsentFactory(participant=referral.participant, disclosing_agency=world.provider, recipient_officer=world.officer)


@pytest.mark.parametrize(
    ("unseen", "unseen_engaged", "shown"),
    [
        (0, 0, 15),  # the officer sees every referral's outcome: nothing else to give away
        (1, 1, None),  # the case: 16 engaged, 15 of them visible, so the one other engaged
        (5, 0, None),  # five unseen referrals, none engaged: the total says so
        (12, 12, 27),  # twelve unseen, all engaged: 12 and 0, nothing from 1 to 10
        (24, 12, 27),  # twenty-four unseen, twelve engaged
    ],
)
def test_the_officers_total_is_withheld_when_it_gives_away_the_part_consent_hides(world, unseen, unseen_engaged, shown):
    """reports/README.md rule 5, asked of deflection.suppression.unseen_part_publishable (its one home)."""
    when = datetime.datetime(2026, 1, 5, 10, tzinfo=CHICAGO)
    refer(world, when, 30, engaged=15)  # the part the officer sees, under consents naming them
    _consent_for(world, Referral.objects.filter(officer=world.officer))
    refer(world, when, unseen, engaged=unseen_engaged)
    year = this_year(summary_at(world))
    assert year.referred == 30 + unseen
    assert year.engaged.value == shown
    if shown is None:
        # No label: "fewer than 11" or "not shown" would bound the part the officer could not see.
        assert year.engaged.display == "withheld" and year.engaged_rate.percent is None

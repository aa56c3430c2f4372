"""One figure, one value everywhere: pages agree, years add up their quarters, nothing small is shown."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deflection.suppression import Published, Reason
from reports import exports, metrics, outcomes
from reports.dashboard import dashboard_report
from reports.evaluation import evaluation_sheet
from reports.leaderboard import leaderboard
from reports.outcomes import AGENCY, OFFICER, PROGRAM, UNIT, program_agency_ids
from reports.periods import Period
from reports.publishing import count_and_publish, months_of
from reports.tests.conftest import FEBRUARY, add_officers, make_referrals

TZ = "America/Chicago"


def all_published(counted):
    for published in counted.published.values():
        for figures in published.figures.values():
            yield from figures.items()


@pytest.mark.parametrize("key", ["2026-03", "2026-Q1", "2025", "2026"])
def test_no_outcome_from_1_to_10_is_ever_published(reports_world, key):
    add_officers(reports_world, 6, referrals_each=3, quality_each=2)
    period = Period.parse(key, TZ)
    counted = count_and_publish(
        program=reports_world.program, periods=[period], months=months_of(period), now=timezone.now(), officers=True
    )
    for figure_key, figure in all_published(counted):
        assert figure.is_suppressed or not 0 < figure.value < reports_world.program.suppression_threshold, figure_key


def test_the_leaderboard_the_sheet_and_the_dashboard_agree(reports_world):
    quarter = Period.quarter(2026, 1, TZ)
    board = leaderboard(
        program=reports_world.program, period=quarter, visible_agency_ids=program_agency_ids(reports_world.program)
    )
    for row in board.officers:
        sheet = evaluation_sheet(
            program=reports_world.program, officer=type(reports_world.officer).objects.get(pk=row.key), period=quarter
        )
        assert (sheet.referrals, sheet.quality) == (row.referrals, row.quality)
    dashboard = dashboard_report(program=reports_world.program, period=quarter)
    quality_tile = next(t for t in dashboard.tiles if t.label == metrics.QUALITY.label)
    federal = {m.code: m.value for m in exports.federal_measures(program=reports_world.program, quarter=quarter)}
    assert quality_tile.value == federal["engaged_in_treatment_30_days"] == "43"


def test_a_year_is_the_sum_of_its_quarters_or_withheld(reports_world):
    make_referrals(reports_world, reports_world.deputy, reports_world.sheriff, 30, 20, FEBRUARY)
    year = Period.year(2025, TZ)
    counted = count_and_publish(
        program=reports_world.program,
        periods=[year, *[Period.quarter(2025, q, TZ) for q in (1, 2, 3, 4)]],
        months=months_of(year),
        now=timezone.now(),
        officers=True,
    )
    assert counted[year].get(metrics.QUALITY, PROGRAM) == Published(0)  # nothing in 2025
    this_year = Period.year(2026, TZ)
    counted = count_and_publish(
        program=reports_world.program, periods=[this_year], months=months_of(this_year), now=timezone.now(), officers=True
    )
    # Q3 and Q4 of 2026 are not final in June: the year is still open.
    assert counted[this_year].get(metrics.QUALITY, PROGRAM).reason == Reason.FOLLOW_UP_OPEN
    # A final year is its quarters added up: here 2026 as seen in 2027.
    later = timezone.now() + timedelta(days=400)
    quarters = [Period.quarter(2026, q, TZ) for q in (1, 2, 3, 4)]
    counted = count_and_publish(
        program=reports_world.program, periods=[this_year, *quarters], months=months_of(this_year), now=later, officers=True
    )
    parts = [counted[q].get(metrics.QUALITY, PROGRAM) for q in quarters]
    year_figure = counted[this_year].get(metrics.QUALITY, PROGRAM)
    if any(p.is_suppressed for p in parts):
        assert year_figure.reason == Reason.WITHHELD
    else:
        assert year_figure.value == sum(p.value for p in parts) == 15 + 3 + 12 + 13 + 20


def test_months_do_not_publish_officers_or_units(reports_world):
    march = Period.month(2026, 3, TZ)
    counted = count_and_publish(program=reports_world.program, periods=[march], months=[march], now=timezone.now(), officers=True)
    assert counted[march].get(metrics.QUALITY, OFFICER, reports_world.officer.pk).reason == Reason.WITHHELD
    unit = reports_world.officer.memberships.get().unit_id
    assert counted[march].get(metrics.QUALITY, UNIT, unit).reason == Reason.WITHHELD
    assert counted[march].get(metrics.QUALITY, PROGRAM).value == 30
    # The sheriff's 12 of 20 leaves 8 not engaged: hidden, and Riverside's 18 with it (30 - 18 = 12).
    assert counted[march].get(metrics.QUALITY, AGENCY, reports_world.sheriff.pk).is_suppressed
    assert counted[march].get(metrics.QUALITY, AGENCY, reports_world.police.pk).reason == Reason.COMPLEMENTARY


def test_a_published_level_is_reused_by_any_page_that_combines_it(reports_world, cache_traffic):
    """Quarters and years are published once for their inputs; a page pairing them with other periods
    (a year and the year before it, say) reads them back instead of publishing again."""
    add_officers(reports_world, 6, referrals_each=3, quality_each=2)
    later = timezone.now() + timedelta(days=400)
    year, quarter = Period.year(2026, TZ), Period.quarter(2026, 1, TZ)
    program = reports_world.program
    first = count_and_publish(program=program, periods=[year], months=months_of(year), now=later, officers=True)
    first_quarter = count_and_publish(program=program, periods=[quarter], months=quarter.months(), now=later)[quarter]
    assert cache_traffic.engine_runs  # published once

    # A different combination of periods (so not a page-level entry): what it publishes comes from the
    # cache, and the linked engine does not run again (each of its runs is stored, and none is).
    cache_traffic.forget()
    again = count_and_publish(program=program, periods=[quarter, year], months=months_of(year), now=later, officers=True)
    assert cache_traffic.engine_runs == []
    assert cache_traffic.written("reports:published:")  # the new combination is kept for the next page
    assert again[year].figures == first[year].figures
    assert again[quarter].figures == first_quarter.figures
    assert again[quarter].get(metrics.QUALITY, PROGRAM).value == 15 + 3 + 12 + 13 + 6 * 2  # Q1 is final
    assert again[year].referrals == first[year].referrals

    # The same combination again is one read of the cache, and writes nothing.
    cache_traffic.forget()
    count_and_publish(program=program, periods=[quarter, year], months=months_of(year), now=later, officers=True)
    assert cache_traffic.written() == []


def test_officer_referral_totals_match_the_officer_rows(reports_world):
    """Pages with cached levels sum officers' referrals in the database; the rows give the same totals."""
    quarter = Period.quarter(2026, 1, TZ)
    months = quarter.months()
    summed = outcomes.load_counts(reports_world.program, months, timezone.now(), officers=True)
    firsts = {m.first_day for m in months}
    from_rows = outcomes.load_counts(reports_world.program, months, timezone.now(), officers=True)
    totals = {}
    for (officer, agency, _month), row in from_rows.officer_cells(firsts).items():
        totals[(officer, agency)] = totals.get((officer, agency), 0) + row["referrals"]
    assert summed.officer_referrals(firsts) == totals == from_rows.officer_referrals(firsts)
    assert totals[(reports_world.officer.pk, reports_world.police.pk)] == 55


@pytest.mark.parametrize(
    ("start", "end"), [("2026-02-01", "2026-03-31"), ("2026-02-11", "2026-03-10"), ("2026-01-05", "2026-06-14")]
)
def test_custom_ranges_read_whole_months_from_the_rollups_and_count_the_edges_live(reports_world, start, end):
    """Whole months come from the rollups, the days around them are counted live: the totals are
    exactly the referrals made in the range."""
    make_referrals(reports_world, reports_world.deputy, reports_world.sheriff, 5, 0, FEBRUARY.replace(day=20))
    period = Period.parse(f"{start}..{end}", TZ)
    counts = outcomes.load_custom(reports_world.program, period, timezone.now())
    live = metrics.counts(
        program=reports_world.program,
        start=period.start,
        end=period.end,
        by=("officer_id", "agency_id"),
        measures=(metrics.REFERRALS, metrics.ACKNOWLEDGED),
    )
    expected = {(r["officer_id"], r["agency_id"]): (r["referrals"], r["acknowledged"]) for r in live}
    got = {(o, a): (row["referrals"], row["acknowledged"]) for (o, a, _m), row in counts.cells.items()}
    assert got == expected and sum(n for n, _ in got.values()) > 0

"""One figure, one value everywhere: pages agree, years add up their quarters, nothing small is shown."""

import pytest

from reports import exports, metrics, selectors
from reports.outcomes import AGENCY, OFFICER, PROGRAM, UNIT, program_agency_ids
from reports.periods import Period
from reports.suppression import Published, Reason
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
    counted = selectors.count_and_publish(
        reports_world.program, [period], selectors.months_of(period), selectors.timezone.now(), officers=True
    )
    for figure_key, figure in all_published(counted):
        assert figure.is_suppressed or not 0 < figure.value < reports_world.program.suppression_threshold, figure_key


def test_the_leaderboard_the_sheet_and_the_dashboard_agree(reports_world):
    quarter = Period.quarter(2026, 1, TZ)
    board = selectors.leaderboard(
        program=reports_world.program, period=quarter, visible_agency_ids=program_agency_ids(reports_world.program)
    )
    for row in board.officers:
        sheet = selectors.evaluation_sheet(
            program=reports_world.program, officer=type(reports_world.officer).objects.get(pk=row.key), period=quarter
        )
        assert (sheet.referrals, sheet.quality) == (row.referrals, row.quality)
    dashboard = selectors.dashboard_report(program=reports_world.program, period=quarter)
    quality_tile = next(t for t in dashboard.tiles if t.label == metrics.QUALITY.label)
    federal = {m.code: m.value for m in exports.federal_measures(program=reports_world.program, quarter=quarter)}
    assert quality_tile.value == federal["engaged_in_treatment_30_days"] == "43"


def test_a_year_is_the_sum_of_its_quarters_or_withheld(reports_world):
    make_referrals(reports_world, reports_world.deputy, reports_world.sheriff, 30, 20, FEBRUARY)
    year = Period.year(2025, TZ)
    counted = selectors.count_and_publish(
        reports_world.program,
        [year, *[Period.quarter(2025, q, TZ) for q in (1, 2, 3, 4)]],
        selectors.months_of(year),
        selectors.timezone.now(),
        officers=True,
    )
    assert counted[year].get(metrics.QUALITY, PROGRAM) == Published(0)  # nothing in 2025
    this_year = Period.year(2026, TZ)
    counted = selectors.count_and_publish(
        reports_world.program, [this_year], selectors.months_of(this_year), selectors.timezone.now(), officers=True
    )
    # Q3 and Q4 of 2026 are not final in June: the year is still open.
    assert counted[this_year].get(metrics.QUALITY, PROGRAM).reason == Reason.FOLLOW_UP_OPEN
    # A final year is its quarters added up: here 2026 as seen in 2027.
    later = selectors.timezone.now() + selectors.timezone.timedelta(days=400)
    quarters = [Period.quarter(2026, q, TZ) for q in (1, 2, 3, 4)]
    counted = selectors.count_and_publish(
        reports_world.program, [this_year, *quarters], selectors.months_of(this_year), later, officers=True
    )
    parts = [counted[q].get(metrics.QUALITY, PROGRAM) for q in quarters]
    year_figure = counted[this_year].get(metrics.QUALITY, PROGRAM)
    if any(p.is_suppressed for p in parts):
        assert year_figure.reason == Reason.WITHHELD
    else:
        assert year_figure.value == sum(p.value for p in parts) == 15 + 3 + 12 + 13 + 20


def test_months_do_not_publish_officers_or_units(reports_world):
    march = Period.month(2026, 3, TZ)
    counted = selectors.count_and_publish(reports_world.program, [march], [march], selectors.timezone.now(), officers=True)
    assert counted[march].get(metrics.QUALITY, OFFICER, reports_world.officer.pk).reason == Reason.WITHHELD
    unit = reports_world.officer.memberships.get().unit_id
    assert counted[march].get(metrics.QUALITY, UNIT, unit).reason == Reason.WITHHELD
    assert counted[march].get(metrics.QUALITY, PROGRAM).value == 30
    # The sheriff's 12 of 20 leaves 8 not engaged: hidden, and Riverside's 18 with it (30 - 18 = 12).
    assert counted[march].get(metrics.QUALITY, AGENCY, reports_world.sheriff.pk).is_suppressed
    assert counted[march].get(metrics.QUALITY, AGENCY, reports_world.police.pk).reason == Reason.COMPLEMENTARY

"""Monthly rollups: counted when a month ends, again as each follow-up window closes, then frozen."""

from datetime import UTC, datetime, timedelta

import time_machine

from referrals.models import Status, StatusChange
from reports import outcomes, rollups
from reports.models import MonthRollup, RollupBuild
from reports.periods import Period
from reports.tests.conftest import MARCH, make_referrals

MARCH_PERIOD = Period.month(2026, 3, "America/Chicago")


def counted(world, measure="quality"):
    return sum(MonthRollup.objects.filter(program=world.program, month=MARCH_PERIOD.first_day).values_list(measure, flat=True))


def load(world, at):
    return outcomes.load_counts(world.program, [MARCH_PERIOD], at, officers=True)


def test_a_month_is_counted_once_it_ends_and_again_when_a_window_closes(world):
    referrals = make_referrals(world, world.officer, world.police, 12, 0, MARCH)
    with time_machine.travel(datetime(2026, 3, 20, tzinfo=UTC), tick=False):
        counts = load(world, datetime.now(UTC))
        assert not RollupBuild.objects.exists()  # the month in progress is counted live
        assert sum(row["referrals"] for row in counts.officer_cells({MARCH_PERIOD.first_day}).values()) == 12
        assert sum(counts.officer_referrals({MARCH_PERIOD.first_day}).values()) == 12
    with time_machine.travel(datetime(2026, 4, 2, tzinfo=UTC), tick=False):
        load(world, datetime.now(UTC))
        assert counted(world, "referrals") == 12 and counted(world) == 0
        # Two people engage within their 30 days, recorded before the window closes.
        for referral in referrals[:2]:
            type(referral).objects.filter(pk=referral.pk).update(engaged_at=referral.created_at + timedelta(days=5))
        load(world, datetime.now(UTC))
        assert counted(world) == 0  # no window closed since the last count: the rollup is not redone
    with time_machine.travel(datetime(2026, 5, 2, tzinfo=UTC), tick=False):
        load(world, datetime.now(UTC))
        assert counted(world) == 2  # the 30-day window closed: counted again


def test_a_final_month_is_frozen(world):
    referrals = make_referrals(world, world.officer, world.police, 12, 6, MARCH, retained=3)
    after_everything = MARCH_PERIOD.end + rollups.CLOSING[-1] + timedelta(days=1)
    with time_machine.travel(after_everything, tick=False):
        load(world, datetime.now(UTC))
        assert counted(world, "retained_30") == 3
        # A step recorded now, dated inside the window, no longer changes the published figure.
        StatusChange.objects.create(
            referral=referrals[4],
            status=Status.RETAINED_30,
            at=referrals[4].created_at + timedelta(days=40),
            by=world.case_manager,
        )
        load(world, datetime.now(UTC) + timedelta(days=30))
        assert counted(world, "retained_30") == 3


def test_needs_counting_follows_the_windows():
    end = MARCH_PERIOD.end
    assert not rollups.needs_counting(MARCH_PERIOD, None, end - timedelta(seconds=1))
    assert rollups.needs_counting(MARCH_PERIOD, None, end)
    assert not rollups.needs_counting(MARCH_PERIOD, end + timedelta(hours=1), end + timedelta(days=29))
    assert rollups.needs_counting(MARCH_PERIOD, end + timedelta(hours=1), end + timedelta(days=30))
    assert not rollups.needs_counting(MARCH_PERIOD, end + timedelta(days=181), end + timedelta(days=900))

"""Each clock's rate for the dashboard and newsletter (issue 12): raw counts here, suppressed in reports."""

import datetime

from django.utils import timezone

from deflection.suppression import rate
from referrals.clocks.rates import clock_counts
from referrals.models import Handoff, Status
from referrals.tests.factories import ReferralFactory

H = datetime.timedelta(hours=1)


def _make(world, n, **fields):
    for _ in range(n):
        ReferralFactory(program=world.program, officer=world.officer, agency=world.police, provider=world.provider, **fields)


def test_met_missed_and_still_running_are_counted_against_the_programs_targets(world):
    now = timezone.now()
    old = now - 48 * H
    _make(world, 3, handoff=Handoff.WARM, created_at=old, acknowledged_at=old + datetime.timedelta(minutes=10))
    _make(world, 2, handoff=Handoff.WARM, created_at=old, acknowledged_at=old + H)  # late
    _make(world, 1, handoff=Handoff.WARM, created_at=now - datetime.timedelta(minutes=10))  # still running
    _make(world, 1, created_at=old, first_contact_at=old + 2 * H, status=Status.CONTACTED)
    counts = {c.name: c for c in clock_counts(program=world.program, start=now - 72 * H, end=now, now=now)}
    assert (counts["warm_ack"].met, counts["warm_ack"].due) == (3, 5)
    assert (counts["first_contact"].met, counts["first_contact"].due) == (1, 6)  # every 48-hour-old referral is due
    assert (counts["engagement"].met, counts["engagement"].due) == (0, 0)  # nobody's 30 days have passed
    assert counts["first_contact"].target == "24 hours"

    world.program.warm_handoff_ack_target_minutes = 90
    counts = {c.name: c for c in clock_counts(program=world.program, start=now - 72 * H, end=now, now=now)}
    assert (counts["warm_ack"].met, counts["warm_ack"].due) == (5, 5)


def test_small_clock_figures_are_suppressed_like_every_rate(world):
    now = timezone.now()
    old = now - 48 * H
    _make(world, 11, handoff=Handoff.WARM, created_at=old, acknowledged_at=old + datetime.timedelta(minutes=5))
    _make(world, 1, handoff=Handoff.WARM, created_at=old)
    (warm, *_rest) = clock_counts(program=world.program, start=now - 72 * H, end=now, now=now)
    assert rate(warm.met, warm.due, world.program.suppression_threshold).is_suppressed  # one missed would show

"""Every clock beat runs. A workflow with a clock of its own adds it here."""

from __future__ import annotations

from referrals.clocks.engine import Clock
from referrals.clocks.referral_clocks import ENGAGEMENT, FIRST_CONTACT, WARM_ACK
from referrals.overdose.clock import OUTREACH

CLOCKS: tuple[Clock, ...] = (WARM_ACK, FIRST_CONTACT, ENGAGEMENT, OUTREACH)
BY_NAME = {clock.name: clock for clock in CLOCKS}

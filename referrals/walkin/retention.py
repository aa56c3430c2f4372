"""The walk-in app's share of retention (SECURITY.md 32): registered with referrals.retention.

A walk-in counts as the person's activity, so someone who walked in last month is not de-identified
because their last referral is old. Once the record is past the program's period (and not on legal
hold), the walk-in's free-text note is blanked with it. Arrival, placement and the station stay, like a
referral's status and dates, so the walk-in figures do not change.
"""

from __future__ import annotations

from referrals.retention import RetentionPart, register_part
from referrals.walkin.models import WalkIn


def deidentify(participant_ids: list[int]) -> None:
    WalkIn.objects.filter(participant_id__in=participant_ids).update(note="")


PART = RetentionPart(name="walkin", last_activity=("walkins__arrived_at",), deidentify=deidentify)


def register() -> None:
    register_part(PART)

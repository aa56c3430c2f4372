"""The overdose outreach app's share of retention (SECURITY.md 32): registered with referrals.retention.

A survivor's overdoses and outreach count as their activity, so the record of someone who overdosed
last month is not de-identified because their last referral is old. Once the record is past the
program's period (and not on legal hold), the places of their overdoses, the outreach attempts' notes
and the family follow-up notes are blanked with it. The overdose itself (time, fatal, naloxone) stays,
like a referral's status and dates: the figures and the ODMAP counts do not change.
"""

from __future__ import annotations

from referrals.overdose.models import FamilyFollowUp, OutreachAttempt, Overdose
from referrals.retention import RetentionPart, register_part


def deidentify(participant_ids: list[int]) -> None:
    overdoses = Overdose.objects.filter(participant_id__in=participant_ids)
    overdoses.update(place="")
    OutreachAttempt.objects.filter(case__participant_id__in=participant_ids).update(note="")
    FamilyFollowUp.objects.filter(overdose__in=overdoses).update(note="")


PART = RetentionPart(
    name="overdose",
    last_activity=("overdoses__occurred_at", "outreach_cases__opened_at", "outreach_cases__attempts__at"),
    deidentify=deidentify,
)


def register() -> None:
    register_part(PART)

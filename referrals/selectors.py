"""Read-only referral queries with real logic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Aggregate, Count, FloatField
from django.utils import timezone

from deflection.models import AuditEvent, Program, User
from referrals import access
from referrals.models import (
    Consent,
    Outcome,
    Participant,
    ParticipantUpdateProposal,
    ProposalDecision,
    Referral,
)


class Median(Aggregate):
    """PostgreSQL's exact median, computed in the database."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class CompletionTimes:
    referrals: int
    median_minutes: float | None
    baseline_minutes: int

    @property
    def minutes_saved_each(self) -> float | None:
        if self.median_minutes is None:
            return None
        return round(self.baseline_minutes - self.median_minutes, 1)


def completion_times(program: Program, days: int = 90, now: datetime.datetime | None = None) -> CompletionTimes:
    """How long officers' referral forms took (first open to acknowledged submit) against booking."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    row = Referral.objects.filter(program=program, created_at__gte=since).aggregate(
        n=Count("id"), median=Median("completion_seconds")
    )
    median = round(row["median"] / 60, 1) if row["median"] is not None else None
    return CompletionTimes(row["n"], median, program.booking_baseline_minutes)


@dataclass(frozen=True)
class ParticipantPage:
    """What one provider's case manager sees of a person: that provider's part of the record only."""

    referrals: list[Referral]
    consents: list[Consent]
    outcomes: list[Outcome]
    proposals: list[ParticipantUpdateProposal]
    duplicates: list[Participant]
    disclosures: list[Disclosure]
    provider_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Disclosure:
    """One logged disclosure as the accounting lists it: the recipient, never the actor, first."""

    at: datetime.datetime
    recipient: str
    shown: str
    consent_id: int | None
    referral_id: int | None
    channel: str
    disclosed_by: str


def merged_record_ids(participant: Participant) -> set[int]:
    """The record and every record ever merged into it (directly or through another), for its history."""
    ids, frontier = {participant.pk}, {participant.pk}
    while frontier:
        frontier = set(Participant.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return ids


def disclosures_about(participant: Participant, *, referral_ids: set[int] | None = None) -> list[Disclosure]:
    """Every disclosure about the person, including those logged under a record later merged into it.

    `referral_ids` limits the list to one provider's episodes. Oldest first, no cap.
    """
    events = AuditEvent.objects.filter(
        action="disclosure", object_type="referrals.participant", object_id__in=[str(i) for i in merged_record_ids(participant)]
    ).order_by("at", "id")
    rows = [e for e in events if referral_ids is None or e.detail.get("referral") in referral_ids]
    recipients = dict(User.objects.filter(pk__in={e.detail.get("recipient_user") for e in rows}).values_list("pk", "username"))
    return [
        Disclosure(
            at=e.at,
            recipient=recipients.get(e.detail.get("recipient_user"), e.actor_username),
            shown=e.detail.get("shown", ""),
            consent_id=e.detail.get("consent"),
            referral_id=e.detail.get("referral"),
            channel=e.detail.get("channel", ""),
            disclosed_by=e.actor_username,
        )
        for e in rows
    ]


def participant_page(participant: Participant, *, viewer: User, duplicates: list[Participant]) -> ParticipantPage:
    """The viewer's providers' episodes, consents, outcomes, proposals and disclosures of one person."""
    provider_ids = access.case_manager_agency_ids(viewer)
    referrals = list(
        participant.referrals.filter(provider_id__in=provider_ids)
        .select_related("officer", "agency", "provider")
        .order_by("created_at")
    )
    consents = list(
        access.consents_for_case_manager(viewer)
        .filter(participant=participant)
        .select_related("recipient_officer", "recipient_agency")
        .order_by("-created_at")
    )
    outcomes = list(access.outcomes_for_case_manager(viewer).filter(participant=participant).order_by("-occurred_on"))
    proposals = list(
        access.proposals_for_case_manager(viewer)
        .filter(participant=participant, decision=ProposalDecision.PENDING)
        .select_related("proposed_by", "referral")
        .order_by("created_at")
    )
    return ParticipantPage(
        referrals=referrals,
        consents=consents,
        outcomes=outcomes,
        proposals=proposals,
        duplicates=duplicates,
        disclosures=disclosures_about(participant, referral_ids={r.pk for r in referrals}),
        provider_ids=provider_ids,
    )

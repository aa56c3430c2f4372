"""Read-only referral queries: what each referral page shows. Views read through here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from deflection.aggregates import Median
from deflection.models import Agency, AgencyKind, AuditEvent, Pathway, Program, Role, User
from referrals import access, disclosure
from referrals.models import (
    CapacityState,
    Consent,
    CriterionKind,
    EligibilityCriterion,
    FollowUpTask,
    Handoff,
    Outcome,
    Participant,
    ParticipantUpdateProposal,
    ProposalDecision,
    ProviderService,
    Referral,
    StatusChange,
)
from referrals.search import ReferralSearch


def completion_median() -> Median:
    """The one definition of "median completion time": the median, over referrals, of the seconds from
    opening the referral form to the acknowledged submit (Referral.completion_seconds). The officer's
    home page, the program page and the reports all use it."""
    return Median("completion_seconds")


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


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
    row = Referral.objects.filter(program=program, created_at__gte=since).aggregate(n=Count("id"), median=completion_median())
    return CompletionTimes(row["n"], _minutes(row["median"]), program.booking_baseline_minutes)


# ---- what the referral pages read (views call these; they run no ORM query themselves) ----


@dataclass(frozen=True)
class OfficerHome:
    referral_count: int
    median_minutes: float | None
    unread: int


def officer_home(officer: User) -> OfficerHome:
    mine = Referral.objects.filter(officer=officer)
    latest = Referral.objects.filter(pk__in=mine.order_by("-created_at").values("pk")[:200])  # the latest 200
    return OfficerHome(
        referral_count=mine.count(),
        median_minutes=_minutes(latest.aggregate(median=completion_median())["median"]),
        # Counted through the consent gate, so a revoked consent's notices stop counting at once.
        unread=disclosure.unread_notice_count(officer),
    )


def officer_referrals(officer: User, search: ReferralSearch | None = None) -> QuerySet[Referral]:
    """The officer's own referrals, newest first, optionally found by reference or name and date of birth.

    Each card shows the person's initials, so the participant comes along, without the identity
    fields the card never shows (nothing decrypted that is not needed).
    """
    qs = (
        Referral.objects.filter(officer=officer)
        .select_related("provider", "program", "participant")
        .defer(
            "note",
            "next_step",
            "participant__phone",
            "participant__address",
            "participant__description",
            "participant__date_of_birth",
        )
        .order_by("-created_at", "-pk")
    )
    return search.apply(qs) if search is not None else qs


def case_owners(referral: Referral) -> QuerySet[User]:
    """Who may own a referral's next step: the active case managers of its provider."""
    return User.objects.filter(
        memberships__agency_id=referral.provider_id, memberships__role=Role.CASE_MANAGER, memberships__is_active=True
    ).order_by("last_name")


def referral_history(referral: Referral) -> QuerySet[StatusChange]:
    return StatusChange.objects.filter(referral=referral).select_related("by", "next_step_owner").order_by("at", "pk")


def referral_tasks(referral: Referral) -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.filter(referral=referral).select_related("assigned_to").order_by("due_at")


def open_tasks(user: User) -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.filter(assigned_to=user, done_at__isnull=True).select_related("referral").order_by("due_at")


def justice_queue(program: Program) -> list[tuple[Referral, list[str]]]:
    """Referrals waiting for the justice partner, each with the inclusive criteria that routed it."""
    referrals = (
        Referral.objects.filter(program=program, needs_justice_coordination=True, justice_coordinated_at__isnull=True)
        .select_related("officer", "agency")
        .order_by("created_at")
    )
    inclusive = {str(c.pk): c.question for c in program.criteria.filter(kind=CriterionKind.INCLUSIVE)}
    return [(r, [q for cid, q in inclusive.items() if r.eligibility_answers.get(cid)]) for r in referrals]


def program_criteria(program: Program) -> QuerySet[EligibilityCriterion]:
    return EligibilityCriterion.objects.filter(program=program).order_by("position", "pk")


# Agencies whose responders refer (the worklist's "referring agency" filter).
REFERRING_AGENCY_KINDS = (AgencyKind.POLICE, AgencyKind.SHERIFF, AgencyKind.FIRE_EMS)


@dataclass(frozen=True)
class WorklistOptions:
    assignees: list[User]
    agencies: list[Agency]
    pathways: list[tuple[str, str]]
    handoffs: list[tuple[str, str]]


def worklist_options(provider_ids: set[int], programs: list[Program]) -> WorklistOptions:
    """The worklist's filter choices: our case managers and the programs' referring (police) agencies."""
    program_agency_ids: set[int] = set()
    for program in programs:
        program_agency_ids |= program.agency_ids()
    return WorklistOptions(
        assignees=list(
            User.objects.filter(
                memberships__agency_id__in=provider_ids, memberships__role=Role.CASE_MANAGER, memberships__is_active=True
            )
            .distinct()
            .order_by("last_name", "first_name")
        ),
        agencies=list(Agency.objects.filter(pk__in=program_agency_ids, kind__in=REFERRING_AGENCY_KINDS).order_by("name")),
        pathways=list(Pathway.choices),
        handoffs=list(Handoff.choices),
    )


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


def case_manager_referral_ids(user: User, participant: Participant) -> set[int]:
    """The participant's referrals that this case manager's provider may see (the disclosure export's scope)."""
    return set(access.referrals_for_case_manager(user).filter(participant=participant).values_list("pk", flat=True))


def directory_services(user: User, *, kind: str = "", open_only: bool = False) -> list[ProviderService]:
    """The treatment directory as this user may see it, by kind, then provider, then name."""
    rows = access.services_for(user).select_related("agency", "capacity_updated_by")
    if kind:
        rows = rows.filter(kind=kind)
    if open_only:
        rows = rows.filter(capacity_state=CapacityState.OPEN)
    return list(rows.order_by("kind", "agency__name", "name"))


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

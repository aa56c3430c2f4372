"""Read-only referral queries: what each referral page shows. Views read through here."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import Aggregate, Count, FloatField, QuerySet
from django.utils import timezone

from deflection.models import Agency, AgencyKind, AuditEvent, Pathway, Program, Role, User
from referrals.models import (
    Consent,
    CriterionKind,
    EligibilityCriterion,
    FollowUpTask,
    Handoff,
    OfficerNotice,
    Outcome,
    Participant,
    Referral,
    StatusChange,
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


# ---- what the referral pages read (views call these; they run no ORM query themselves) ----


@dataclass(frozen=True)
class OfficerHome:
    referral_count: int
    median_minutes: float | None
    unread: int


def officer_home(officer: User) -> OfficerHome:
    mine = Referral.objects.filter(officer=officer)
    seconds = list(mine.order_by("-created_at").values_list("completion_seconds", flat=True)[:200])
    return OfficerHome(
        referral_count=mine.count(),
        median_minutes=round(statistics.median(seconds) / 60, 1) if seconds else None,
        unread=OfficerNotice.objects.filter(officer=officer, read_at__isnull=True).count(),
    )


def officer_referrals(officer: User) -> QuerySet[Referral]:
    """The officer's own referrals, newest first."""
    return Referral.objects.filter(officer=officer).select_related("provider").order_by("-created_at")


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


@dataclass(frozen=True)
class ParticipantPage:
    referrals: QuerySet[Referral]
    consents: QuerySet[Consent]
    outcomes: QuerySet[Outcome]
    disclosures: QuerySet[AuditEvent]


def participant_page(participant: Participant) -> ParticipantPage:
    return ParticipantPage(
        referrals=participant.referrals.select_related("officer", "agency", "provider").order_by("created_at"),
        consents=participant.consents.select_related("recipient_officer", "recipient_agency").order_by("-created_at"),
        outcomes=participant.outcomes.order_by("-occurred_on"),
        disclosures=AuditEvent.objects.filter(
            object_type="referrals.participant", object_id=str(participant.pk), action="disclosure"
        ).order_by("-at")[:200],
    )


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

"""Reads for post-overdose outreach: the team's queue, a case with its attempts, family follow-ups, the ledger."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from deflection.access import get_object_for_user
from deflection.models import Program
from referrals.clocks.models import Escalation
from referrals.overdose.access import programs_for_team
from referrals.overdose.clock import OUTREACH_CLOCK
from referrals.overdose.models import CaseStatus, FamilyFollowUp, NaloxoneLedgerEntry, OutreachCase

# The queue shows the cases most urgent first, a page at a time: a team works from the top.
QUEUE_PAGE = 50


def outreach_queue(user, program_ids: list[int] | None = None) -> tuple[list[OutreachCase], int]:
    """The most urgent open cases (no attempt yet and soonest due first) and how many are open in all.

    A fixed number of queries whatever the size: one count, one page with its survivor and overdose.
    """
    if program_ids is None:
        program_ids = list(programs_for_team(user).values_list("pk", flat=True))
    # Ids, not a subquery: with the program known, PostgreSQL reads the page off outreach_case_queue_idx.
    cases = OutreachCase.objects.filter(program_id__in=program_ids, status=CaseStatus.OPEN)
    page = list(
        cases.select_related("participant", "overdose", "program")
        # escalated on the outreach clock (referrals.clocks): one index probe per row of the page
        .annotate(escalated=Exists(Escalation.objects.filter(clock=OUTREACH_CLOCK, subject_id=OuterRef("pk"))))
        .order_by(F("first_attempt_at").asc(nulls_first=True), "due_at", "pk")  # no attempt yet first
        .only(
            "pk",
            "due_at",
            "first_attempt_at",
            "status",
            "program__name",
            "program__time_zone",
            "participant__first_name",
            "participant__last_name",
            "participant__is_pseudonymous",
            "overdose__occurred_at",
            "overdose__naloxone_doses",
        )[:QUEUE_PAGE]
    )
    now = timezone.now()
    for case in page:
        case.overdue = case.is_overdue(now)
    return page, cases.count()


def get_case_for_team(request, pk) -> OutreachCase:
    queryset = OutreachCase.objects.filter(program__in=programs_for_team(request.user)).select_related(
        "participant", "overdose", "program", "referral"
    )
    return get_object_for_user(request, queryset, pk, "overdose.outreachcase")


def family_follow_ups_for_team(user) -> QuerySet[FamilyFollowUp]:
    return (
        FamilyFollowUp.objects.filter(program__in=programs_for_team(user), done_at__isnull=True)
        .select_related("overdose", "program")
        .order_by("due_from", "pk")
    )


def get_family_follow_up_for_team(request, pk) -> FamilyFollowUp:
    queryset = FamilyFollowUp.objects.filter(program__in=programs_for_team(request.user))
    return get_object_for_user(request, queryset, pk, "overdose.familyfollowup")


def ledger_entries(program: Program, limit: int = 100) -> list[NaloxoneLedgerEntry]:
    return list(NaloxoneLedgerEntry.objects.filter(program=program).select_related("unit", "by").order_by("-at", "-pk")[:limit])

"""The case manager's worklist: urgent work first, then everything else; filters, search, pages.

"Needs action now" (issue 12), in this order:
  1. new referrals nobody has acknowledged yet, warm hand-offs first (someone is waiting in person);
  2. first contacts past the program's deadline;
  3. next steps due today (the program's day) or overdue;
  4. open referrals assigned to me, or whose next step is mine.
Everything else follows, oldest first. The rank is computed in the database (one CASE expression)
so a page costs the same few queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from deflection.models import Pathway, Program, User
from deflection.params import parse_id
from referrals.models import Handoff, Referral, Status
from referrals.search import ReferralSearch

PAGE_SIZE = 25
URGENT_WARM, URGENT_NEW, URGENT_CONTACT, URGENT_DUE, MINE, REST = range(6)
RANK_LABELS = {
    URGENT_WARM: "Warm hand-off waiting",
    URGENT_NEW: "New, not yet acknowledged",
    URGENT_CONTACT: "First contact overdue",
    URGENT_DUE: "Next step due",
    MINE: "Assigned to me",
}

STATUS_GROUPS = {
    "open": ("Open", Status.open_statuses()),
    "new": ("New (received)", [Status.RECEIVED]),
    "in_treatment": ("In treatment", [Status.ENGAGED, Status.RETAINED_30, Status.RETAINED_90]),
    "ended": (
        "Ended",
        [
            Status.DECLINED,
            Status.UNABLE_TO_CONTACT,
            Status.NOT_ELIGIBLE,
            Status.NO_CAPACITY,
            Status.REFERRED_ELSEWHERE,
            Status.CLOSED,
        ],
    ),
}


@dataclass(frozen=True)
class WorklistFilters:
    status_group: str = "open"
    assignee: int | None = None
    agency: int | None = None
    pathway: str = ""
    handoff: str = ""
    # by reference, or name + date of birth through the blind index (referrals/search.py)
    search: ReferralSearch = field(default_factory=ReferralSearch)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> WorklistFilters:
        """Parse the GET query; bad values are ignored with a message, never a 500."""
        errors: list[str] = []

        def as_int(name):
            raw = params.get(name, "")
            if not raw:
                return None
            value = parse_id(raw)  # never int() on isdigit(): '²' is a digit that int() refuses
            if value is not None:
                return value
            errors.append(f"Ignored an invalid {name}.")
            return None

        group = params.get("status", "open")
        if group not in STATUS_GROUPS and group != "all":
            errors.append("Ignored an unknown status group.")
            group = "open"
        pathway = params.get("pathway", "")
        handoff = params.get("handoff", "")
        search = ReferralSearch.from_query(params)
        return cls(
            status_group=group,
            assignee=as_int("assignee"),
            agency=as_int("agency"),
            pathway=pathway if pathway in Pathway.values else "",
            handoff=handoff if handoff in Handoff.values else "",
            search=search,
            errors=errors + search.errors,
        )


def _rank(user: User, programs: list[Program], now: datetime.datetime) -> Case:
    contact_late = Q(pk__in=[])
    due_by = now
    for program in programs:
        contact_late |= Q(
            program_id=program.pk, created_at__lt=now - datetime.timedelta(hours=program.first_contact_target_hours)
        )
        # "due today" ends at the program's local midnight; one zone per worklist in practice
        tomorrow = program.today() + datetime.timedelta(days=1)
        due_by = max(due_by, program.local_midnight(tomorrow))
    open_ = Q(status__in=Status.open_statuses())
    unacknowledged = Q(status=Status.RECEIVED, acknowledged_at__isnull=True)
    return Case(
        When(unacknowledged & Q(handoff=Handoff.WARM), then=Value(URGENT_WARM)),
        When(unacknowledged, then=Value(URGENT_NEW)),
        When(open_ & Q(first_contact_at__isnull=True) & contact_late, then=Value(URGENT_CONTACT)),
        When(open_ & Q(next_step_due__lt=due_by), then=Value(URGENT_DUE)),
        When(open_ & (Q(assigned_to=user) | Q(next_step_owner=user)), then=Value(MINE)),
        default=Value(REST),
        output_field=IntegerField(),
    )


def worklist(user: User, base: QuerySet[Referral], programs: list[Program], filters: WorklistFilters, page: int) -> Page:
    """One page of the worklist. Queries: the count, the page's ids, its rows; whatever the size."""
    now = timezone.now()
    qs = base
    if filters.status_group != "all":
        qs = qs.filter(status__in=STATUS_GROUPS[filters.status_group][1])
    if filters.assignee:
        qs = qs.filter(assigned_to_id=filters.assignee)
    if filters.agency:
        qs = qs.filter(agency_id=filters.agency)
    if filters.pathway:
        qs = qs.filter(pathway=filters.pathway)
    if filters.handoff:
        qs = qs.filter(handoff=filters.handoff)
    qs = filters.search.apply(qs)
    rank = _rank(user, programs, now)
    # Order and cut the page on narrow rows (ids) first, then load the 25 wide rows with their
    # joins: sorting thousands of joined rows with their encrypted fields was most of the time.
    ids = qs.annotate(rank=rank).order_by("rank", "created_at", "pk").values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(page)
    wanted = list(page.object_list)
    rows = Referral.objects.filter(pk__in=wanted).annotate(rank=rank)
    by_id = {
        r.pk: r for r in rows.select_related("participant", "program", "agency", "service", "next_step_owner", "assigned_to")
    }
    page.object_list = [by_id[pk] for pk in wanted]
    return page


def row_flags(referral: Referral, now: datetime.datetime) -> dict:
    """What a card shows beside the referral: why it is urgent, and an overdue next step."""
    return {
        "why": RANK_LABELS.get(referral.rank, ""),
        # issue 12: items assigned to me belong under "Needs action now", after the deadlines
        "urgent": referral.rank <= MINE,
        "mine": referral.rank == MINE,
        "next_step_overdue": referral.next_step_is_overdue(now),
        "contact_overdue": referral.is_overdue_for_contact(now),
    }

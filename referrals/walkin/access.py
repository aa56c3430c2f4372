"""Who may use the walk-in pages. Every refusal is the same audited 404 (deflection.access.deny), so a
program that does not run walk-in intake looks exactly like a page that does not exist.

- Starting an intake: station staff (police roles) of a program that runs walk-in.
- The board, accepting and placing: the program's volunteers (case managers or coordinators of its
  agencies who are on its walk-in list) and its coordinators.
- A walk-in's page: those, and whoever started it (the front desk follows the person's wait).
- Figures: oversight roles. Settings and the volunteer list: the program's coordinators.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deflection.access import deny, get_object_for_user, is_administrator, programs_coordinated_by, programs_for
from deflection.models import Membership, Program, ProgramType
from deflection.roles import WALKIN_FIGURES_ROLES, WALKIN_INTAKE_ROLES, WALKIN_VOLUNTEER_ROLES
from referrals.walkin.models import WalkIn, WalkInVolunteer

WORKFLOW = ProgramType.WALK_IN


def running(queryset: QuerySet[Program]) -> QuerySet[Program]:
    return queryset.filter(program_types__contains=[WORKFLOW])


def programs_for_intake(user) -> QuerySet[Program]:
    if not (user.has_role(*WALKIN_INTAKE_ROLES) or is_administrator(user)):
        return Program.objects.none()
    return running(programs_for(user)).order_by("name")


def programs_for_volunteer(user) -> QuerySet[Program]:
    """Walk-in programs whose walk-ins the user works: on the list (in a volunteer role there), or coordinating."""
    member_agencies = Membership.objects.filter(user=user, role__in=WALKIN_VOLUNTEER_ROLES, is_active=True).values("agency_id")
    listed = WalkInVolunteer.objects.filter(user=user).filter(
        Q(program__lead_agency_id__in=member_agencies) | Q(program__partners__in=member_agencies)
    )
    coordinated = programs_coordinated_by(user).values("pk")
    return running(Program.objects.filter(Q(pk__in=listed.values("program_id")) | Q(pk__in=coordinated))).order_by("name")


def board_allowed(request) -> None:
    """The board link is shown to volunteer roles in a walk-in program; others get the audited 404."""
    user = request.user
    if (user.has_role(*WALKIN_VOLUNTEER_ROLES) or is_administrator(user)) and running(programs_for(user)).exists():
        return
    raise deny(request, "walkin.board", "")


def get_walkin(request, pk) -> WalkIn:
    """A walk-in the user started, or one of a program whose walk-ins they work."""
    user = request.user
    queryset = WalkIn.objects.filter(program__program_types__contains=[WORKFLOW]).filter(
        Q(started_by=user) | Q(program__in=programs_for_volunteer(user))
    )
    return get_object_for_user(
        request,
        queryset.select_related("program", "participant", "unit", "agency", "volunteer", "placed_service", "referral"),
        pk,
        "walkin.walkin",
    )


def program_for_figures(request) -> Program:
    user = request.user
    if user.has_role(*WALKIN_FIGURES_ROLES) or is_administrator(user):
        program = running(programs_for(user)).order_by("pk").first()
        if program is not None:
            return program
    raise deny(request, "walkin.figures", "")


def get_program_for_coordinator(request, pk) -> Program:
    return get_object_for_user(request, running(programs_coordinated_by(request.user)), pk, "deflection.program")

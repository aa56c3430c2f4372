"""Who may see which report, officer sheet, newsletter and send; one helper per object type.

Dashboards are for supervisors, command staff, coordinators and administrators; leaderboards and
evaluation sheets for command staff, coordinators and administrators, and an officer sees their own
sheet. Command staff see the officers of the agencies where they hold command; coordinators every
agency of the programs they coordinate. Newsletters are for everyone in the program; building and
sending them is for coordinators. Anything else is a 404 with an audit record (deflection.access).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from deflection import access
from deflection.models import Membership, Program, Role, User
from deflection.roles import COMMENDING_ROLES, DASHBOARD_ROLES, LEADERBOARD_ROLES
from reports.models import Commendation, Newsletter, NewsletterSend, RecipientList
from reports.outcomes import program_agency_ids


def _programs_with_role(user: User, *roles: str) -> QuerySet[Program]:
    if access.is_administrator(user):
        return Program.objects.all()
    ids = access.agency_ids_with_role(user, *roles)
    return Program.objects.filter(Q(lead_agency_id__in=ids) | Q(partners__id__in=ids)).distinct()


def dashboard_programs(user: User) -> QuerySet[Program]:
    return _programs_with_role(user, *DASHBOARD_ROLES)


def leaderboard_programs(user: User) -> QuerySet[Program]:
    return _programs_with_role(user, *LEADERBOARD_ROLES)


def get_program_for_dashboard(request, pk) -> Program:
    return access.get_object_for_user(request, dashboard_programs(request.user), pk, "reports.dashboard")


def get_program_for_leaderboard(request, pk) -> Program:
    return access.get_object_for_user(request, leaderboard_programs(request.user), pk, "reports.leaderboard")


def get_program_for_coordinator(request, pk) -> Program:
    return access.get_program_for_coordinator(request, pk)


def visible_officer_agency_ids(user: User, program: Program) -> set[int]:
    """The agencies of `program` whose officers the user may see by name on leaderboards and sheets."""
    agencies = program_agency_ids(program)
    if access.coordinates(user, program):
        return agencies
    return agencies & access.agency_ids_with_role(user, Role.COMMAND)


def officers_visible_to(user: User, program: Program) -> QuerySet[User]:
    """People whose evaluation sheet the user may open: those of their agencies, and themselves."""
    agency_ids = (
        visible_officer_agency_ids(user, program)
        if user.has_role(*LEADERBOARD_ROLES) or (access.is_administrator(user))
        else set()
    )
    members = Membership.objects.filter(agency_id__in=agency_ids, is_active=True).values("user_id")
    own = Q(pk=user.pk, memberships__agency_id__in=program_agency_ids(program))
    return User.objects.filter(Q(pk__in=members) | own).distinct()


def get_officer_for_sheet(request, program: Program, pk) -> User:
    return access.get_object_for_user(request, officers_visible_to(request.user, program), pk, "reports.evaluation_sheet")


def get_officer_to_commend(request, program: Program, pk) -> User:
    """Command staff commend officers of their own agencies (never themselves)."""
    agency_ids = program_agency_ids(program) & access.agency_ids_with_role(request.user, *COMMENDING_ROLES)
    members = Membership.objects.filter(agency_id__in=agency_ids, is_active=True).values("user_id")
    officers = User.objects.filter(pk__in=members).exclude(pk=request.user.pk)
    return access.get_object_for_user(request, officers, pk, "reports.commend")


def can_commend(user: User, program: Program) -> bool:
    return bool(program_agency_ids(program) & access.agency_ids_with_role(user, *COMMENDING_ROLES))


def get_commendation_for_coordinator(request, pk) -> Commendation:
    commendations = Commendation.objects.filter(program__in=access.programs_coordinated_by(request.user))
    return access.get_object_for_user(request, commendations.select_related("program"), pk, "reports.commendation")


def newsletters_for(user: User) -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(program__in=access.programs_for(user))


def get_newsletter_for_user(request, pk) -> Newsletter:
    return access.get_object_for_user(request, newsletters_for(request.user).select_related("program"), pk, "reports.newsletter")


def get_newsletter_for_coordinator(request, pk) -> Newsletter:
    newsletters = Newsletter.objects.filter(program__in=access.programs_coordinated_by(request.user))
    return access.get_object_for_user(request, newsletters.select_related("program"), pk, "reports.newsletter")


def get_send_for_coordinator(request, pk) -> NewsletterSend:
    sends = NewsletterSend.objects.filter(newsletter__program__in=access.programs_coordinated_by(request.user))
    return access.get_object_for_user(request, sends.select_related("newsletter__program"), pk, "reports.send")


def recipient_lists_for(user: User, program: Program) -> QuerySet[RecipientList]:
    return RecipientList.objects.filter(program=program, program__in=access.programs_coordinated_by(user))


def report_subnav(user: User, program: Program) -> list[tuple[str, str, str]]:
    """The reports sub-menu for this user in this program: (key, label, URL name), only pages they may open.

    Every page that shows the sub-menu asks here, so it never offers a page that answers 404 (issue 12).
    """
    links = []
    if dashboard_programs(user).filter(pk=program.pk).exists():
        links.append(("dashboard", "Dashboard", "reports:program_dashboard"))
    if leaderboard_programs(user).filter(pk=program.pk).exists():
        links.append(("leaderboard", "Leaderboard", "reports:leaderboard"))
    links.append(("newsletters", "Newsletters", "reports:newsletters"))
    return links

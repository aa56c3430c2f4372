"""Who may see which training records, courses and sessions.

Everyone sees their own record. A supervisor sees the people in their unit,
command staff their agency, a coordinator every agency of the programs they
coordinate, an administrator everyone. Anything else is a 404 with an audit
record, through deflection.access (SECURITY.md 14).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from deflection import access
from deflection.models import Membership, Program, Role, User
from deflection.roles import COMPLIANCE_ROLES
from training.models import Attendance, Course, Session


def coordinated_agency_ids(user: User) -> set[int]:
    ids: set[int] = set()
    for program in access.programs_coordinated_by(user).select_related(None).prefetch_related("partners"):
        ids |= program.agency_ids()
    return ids


def visible_memberships_q(viewer: User) -> Q | None:
    """A filter on Membership for the people whose records `viewer` may see besides their own.

    None means everyone (administrators); an empty Q() is never returned.
    """
    if access.is_administrator(viewer):
        return None
    q = Q(pk__in=[])
    if viewer.has_role(Role.COORDINATOR):
        q |= Q(agency_id__in=coordinated_agency_ids(viewer))
    command_agencies = access.agency_ids_with_role(viewer, Role.COMMAND)
    if command_agencies:
        q |= Q(agency_id__in=command_agencies)
    supervised_units = {m.unit_id for m in viewer.active_memberships() if m.role == Role.SUPERVISOR and m.unit_id}
    if supervised_units:
        q |= Q(unit_id__in=supervised_units)
    return q


def people_visible_to(viewer: User) -> QuerySet[User]:
    q = visible_memberships_q(viewer)
    if q is None:
        return User.objects.all()
    others = Membership.objects.filter(q, is_active=True).values("user_id")
    return User.objects.filter(Q(pk=viewer.pk) | Q(pk__in=others))


def get_person_for_user(request, pk) -> User:
    """The person whose training record is asked for, if the requester may see it."""
    return access.get_object_for_user(request, people_visible_to(request.user), pk, "training.record")


def get_attendance_for_user(request, pk) -> Attendance:
    attendances = Attendance.objects.filter(user__in=people_visible_to(request.user)).select_related(
        "user", "session__course__program", "session__host", "session__speaker_agency"
    )
    return access.get_object_for_user(request, attendances, pk, "training.attendance")


def courses_for(user: User) -> QuerySet[Course]:
    return Course.objects.filter(program__in=access.programs_for(user))


def get_course_for_user(request, pk) -> Course:
    return access.get_object_for_user(request, courses_for(request.user).select_related("program"), pk, "training.course")


def get_course_for_coordinator(request, pk) -> Course:
    courses = Course.objects.filter(program__in=access.programs_coordinated_by(request.user)).select_related("program")
    return access.get_object_for_user(request, courses, pk, "training.course")


def sessions_for(user: User) -> QuerySet[Session]:
    return Session.objects.filter(course__program__in=access.programs_for(user))


def get_session_for_user(request, pk) -> Session:
    sessions = sessions_for(request.user).select_related("course__program", "host", "speaker_agency")
    return access.get_object_for_user(request, sessions, pk, "training.session")


def sessions_run_by(user: User) -> QuerySet[Session]:
    """Sessions whose roster the user may take: the ones they host, and all sessions of programs they coordinate."""
    return Session.objects.filter(Q(host=user) | Q(course__program__in=access.programs_coordinated_by(user)))


def get_session_for_host(request, pk) -> Session:
    sessions = sessions_run_by(request.user).select_related("course__program", "host", "speaker_agency")
    return access.get_object_for_user(request, sessions, pk, "training.session")


def get_session_for_coordinator(request, pk) -> Session:
    sessions = Session.objects.filter(course__program__in=access.programs_coordinated_by(request.user)).select_related(
        "course__program", "host", "speaker_agency"
    )
    return access.get_object_for_user(request, sessions, pk, "training.session")


@dataclass(frozen=True)
class ComplianceScope:
    """Which part of a program's people a compliance page covers. None means no restriction."""

    agency_ids: frozenset[int] | None = None
    unit_ids: frozenset[int] | None = None
    user_ids: frozenset[int] | None = None
    label: str = "the whole program"


def compliance_scope(user: User, program: Program) -> ComplianceScope | None:
    """The widest view of the program's compliance the user may have; None if they may not see it."""
    if access.coordinates(user, program):
        return ComplianceScope()
    program_agencies = program.agency_ids()
    command = {m.agency_id for m in user.active_memberships() if m.role == Role.COMMAND} & program_agencies
    if command:
        names = sorted(m.agency.name for m in user.active_memberships() if m.agency_id in command)
        return ComplianceScope(agency_ids=frozenset(command), label=", ".join(names))
    units = {
        m.unit_id: m.unit
        for m in user.active_memberships()
        if m.role == Role.SUPERVISOR and m.unit_id and m.agency_id in program_agencies
    }
    if units:
        return ComplianceScope(unit_ids=frozenset(units), label=", ".join(sorted(str(u) for u in units.values())))
    return None


def get_program_for_compliance(request, pk) -> tuple[Program, ComplianceScope]:
    program = access.get_program_for_user(request, pk)
    scope = compliance_scope(request.user, program)
    if scope is None:
        raise access.deny(request, "training.compliance", pk)
    return program, scope


def programs_with_compliance_for(user: User) -> list[Program]:
    if not user.has_role(*COMPLIANCE_ROLES) and not access.is_administrator(user):
        return []
    programs = access.programs_for(user).select_related("lead_agency").prefetch_related("partners").order_by("name")
    return [p for p in programs if compliance_scope(user, p) is not None]

"""Read queries for training: compliance per person and per group, records, upcoming sessions.

Compliance is computed, not stored: one query for the people, one for their latest
completion of each course, then plain Python. The query count stays the same
whether a program has 20 officers or 2,000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from deflection import access
from deflection.models import Membership, Program, Role, User
from deflection.params import parse_id
from training.access import ComplianceScope
from training.models import Attendance, ComplianceStatus, Course, Session

# Command participation looks back this far (the checklist: leaders attend, and are seen to).
COMMAND_LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class Standing:
    status: str
    completed_on: date | None
    due_on: date | None
    is_compliant: bool = field(init=False)

    def __post_init__(self):
        # Worked out once: the compliance page reads it for every cell of a 2,000 x 10 grid.
        object.__setattr__(self, "is_compliant", self.status in ComplianceStatus.compliant())

    @property
    def label(self) -> str:
        return ComplianceStatus(self.status).label


@dataclass
class PersonCompliance:
    user_id: int
    name: str
    username: str
    roles: set[str] = field(default_factory=set)
    # (agency_id, agency name, unit_id, unit name, role, rank) for each of their memberships in the program
    memberships: list[tuple] = field(default_factory=list)
    standings: dict[int, Standing] = field(default_factory=dict)  # required courses only
    sessions_last_year: int = 0
    last_attended: date | None = None
    # How many required courses are in date; set with the standings.
    current: int = 0

    @property
    def is_compliant(self) -> bool:
        return self.current == len(self.standings)

    @property
    def is_command(self) -> bool:
        return Role.COMMAND in self.roles

    @property
    def agency_names(self) -> str:
        return ", ".join(sorted({m[1] for m in self.memberships}))

    @property
    def unit_names(self) -> str:
        return ", ".join(sorted({m[3] for m in self.memberships if m[3]}))

    @property
    def role_labels(self) -> str:
        return ", ".join(Role(r).label for r in sorted(self.roles))

    @property
    def rank(self) -> str:
        return ", ".join(sorted({m[5] for m in self.memberships if m[5]}))

    def needs_attention(self) -> list[tuple[int, Standing]]:
        return [(cid, s) for cid, s in self.standings.items() if not s.is_compliant]


@dataclass
class Rate:
    """Compliance of one group: people fully in date, and required courses in date."""

    label: str
    people: int = 0
    compliant_people: int = 0
    required: int = 0
    current: int = 0

    def add(self, person: PersonCompliance) -> None:
        self.people += 1
        self.compliant_people += person.is_compliant
        self.required += len(person.standings)
        self.current += person.current

    @property
    def people_rate(self) -> int | None:
        return round(100 * self.compliant_people / self.people) if self.people else None

    @property
    def course_rate(self) -> int | None:
        return round(100 * self.current / self.required) if self.required else None


@dataclass
class CourseTally:
    course: Course
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in ComplianceStatus.values})

    @property
    def required(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> int | None:
        done = self.counts[ComplianceStatus.CURRENT] + self.counts[ComplianceStatus.DUE_SOON]
        return round(100 * done / self.required) if self.required else None


@dataclass
class ComplianceReport:
    program: Program
    scope: ComplianceScope
    today: date
    courses: list[Course]
    people: list[PersonCompliance]
    total: Rate
    by_agency: list[Rate]
    by_unit: list[Rate]
    by_role: list[Rate]
    by_course: list[CourseTally]

    @property
    def command_staff(self) -> list[PersonCompliance]:
        return [p for p in self.people if p.is_command]

    def people_matching(
        self, *, agency: str = "", unit: str = "", role: str = "", needs_attention: bool = False
    ) -> list[PersonCompliance]:
        """The people list filtered by the page's query string; a value that does not parse filters nothing."""
        people = self.people
        if (agency_id := parse_id(agency)) is not None:
            people = [p for p in people if any(m[0] == agency_id for m in p.memberships)]
        if (unit_id := parse_id(unit)) is not None:
            people = [p for p in people if any(m[2] == unit_id for m in p.memberships)]
        if role in Role.values:
            people = [p for p in people if role in p.roles]
        if needs_attention:
            people = [p for p in people if not p.is_compliant]
        return people

    def agency_choices(self) -> list[tuple[int, str]]:
        return sorted({(m[0], m[1]) for p in self.people for m in p.memberships}, key=lambda a: a[1])

    def unit_choices(self) -> list[tuple[int, str]]:
        return sorted({(m[2], f"{m[1]}: {m[3]}") for p in self.people for m in p.memberships if m[2]}, key=lambda u: u[1])

    def role_choices(self) -> list[tuple[str, str]]:
        held = {r for p in self.people for r in p.roles}
        return [(r, Role(r).label) for r in Role.values if r in held]

    @property
    def people_needing_attention(self) -> int:
        return self.total.people - self.total.compliant_people

    @property
    def command_attended_last_year(self) -> int:
        return sum(1 for p in self.command_staff if p.sessions_last_year)


def _scoped_memberships(program: Program, scope: ComplianceScope, agency_ids: set[int]) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(agency_id__in=agency_ids, is_active=True, user__is_active=True)
    if scope.agency_ids is not None:
        memberships = memberships.filter(agency_id__in=scope.agency_ids)
    if scope.unit_ids is not None:
        memberships = memberships.filter(unit_id__in=scope.unit_ids)
    if scope.user_ids is not None:
        memberships = memberships.filter(user_id__in=scope.user_ids)
    return memberships


def people_standings(*, program: Program, scope: ComplianceScope, courses: list[Course], today: date) -> list[PersonCompliance]:
    """Everyone in scope who holds a role some course requires, with their standing in each required course."""
    required_roles = {r for c in courses for r in c.required_roles}
    memberships = _scoped_memberships(program, scope, program.agency_ids()).filter(role__in=required_roles)
    people: dict[int, PersonCompliance] = {}
    rows = memberships.values_list(
        "user_id",
        "user__first_name",
        "user__last_name",
        "user__username",
        "agency_id",
        "agency__name",
        "unit_id",
        "unit__name",
        "role",
        "rank",
    )
    for user_id, first, last, username, agency_id, agency_name, unit_id, unit_name, role, rank in rows:
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = PersonCompliance(
                user_id=user_id, name=f"{first} {last}".strip() or username, username=username
            )
        person.roles.add(role)
        person.memberships.append((agency_id, agency_name, unit_id, unit_name or "", role, rank))

    tz = program.tz
    now = timezone.now()
    year_ago = now - timedelta(days=COMMAND_LOOKBACK_DAYS)
    # Sessions are few (hundreds) and attendances many (tens of thousands): each session's local
    # date is worked out once here, and the attendances come back as bare id pairs. Measured at
    # 2,000 officers, this is twice as fast as grouping and converting time zones in the database.
    held = {
        session_id: (course_id, starts_at.astimezone(tz).date(), starts_at >= year_ago)
        for session_id, course_id, starts_at in Session.objects.filter(course__program=program, starts_at__lte=now).values_list(
            "id", "course_id", "starts_at"
        )
    }
    attendances = Attendance.objects.filter(session__course__program=program, session__starts_at__lte=now)
    if scope != ComplianceScope():
        attendances = attendances.filter(user_id__in=memberships.values("user_id"))
    last_completed: dict[int, dict[int, date]] = defaultdict(dict)
    for user_id, session_id in attendances.values_list("user_id", "session_id"):
        person = people.get(user_id)
        session = held.get(session_id)  # None only for a session created since the query above
        if person is None or session is None:
            continue
        course_id, held_on, this_year = session
        done = last_completed[user_id]
        if held_on > done.get(course_id, date.min):
            done[course_id] = held_on
        person.sessions_last_year += this_year
        if person.last_attended is None or held_on > person.last_attended:
            person.last_attended = held_on

    # Many people share a completion date (they sat the same session): work each standing out once.
    standings: dict[tuple[int, date | None], Standing] = {}
    required_for: dict[frozenset[str], list[tuple[int, Course]]] = {}
    for person in people.values():
        roles = frozenset(person.roles)
        if roles not in required_for:
            required_for[roles] = [(c.pk, c) for c in courses if c.is_required_for(person.roles)]
        done = last_completed.get(person.user_id, {})
        for course_id, course in required_for[roles]:
            completed_on = done.get(course_id)
            standing = standings.get((course_id, completed_on))
            if standing is None:
                status, due_on = course.standing(completed_on, today)
                standing = standings[(course_id, completed_on)] = Standing(status, completed_on, due_on)
            person.standings[course_id] = standing
            person.current += standing.is_compliant
    return sorted(people.values(), key=lambda p: (p.agency_names, p.unit_names, p.name.split()[-1:], p.name))


def compliance_report(*, program: Program, scope: ComplianceScope, today: date | None = None) -> ComplianceReport:
    """Per-person standing in every required course, with rates by agency, unit, role and course."""
    today = today or program.today()
    courses = list(Course.objects.filter(program=program, is_active=True).order_by("-is_core", "title"))
    people = people_standings(program=program, scope=scope, courses=courses, today=today)

    total = Rate("Everyone")
    agencies: dict[int, Rate] = {}
    units: dict[int, Rate] = {}
    roles: dict[str, Rate] = {}
    tallies = {c.pk: CourseTally(c) for c in courses}
    for person in people:
        total.add(person)
        for agency_id, agency_name in {(m[0], m[1]) for m in person.memberships}:
            agencies.setdefault(agency_id, Rate(agency_name)).add(person)
        for unit_id, agency_name, unit_name in {(m[2], m[1], m[3]) for m in person.memberships if m[2]}:
            units.setdefault(unit_id, Rate(f"{agency_name}: {unit_name}")).add(person)
        for role in person.roles:
            roles.setdefault(role, Rate(Role(role).label)).add(person)
        for course_id, standing in person.standings.items():
            tallies[course_id].counts[standing.status] += 1
    role_order = {r: i for i, r in enumerate(Role.values)}
    return ComplianceReport(
        program=program,
        scope=scope,
        today=today,
        courses=courses,
        people=people,
        total=total,
        by_agency=sorted(agencies.values(), key=lambda r: r.label),
        by_unit=sorted(units.values(), key=lambda r: r.label),
        by_role=[roles[r] for r in sorted(roles, key=role_order.__getitem__)],
        by_course=list(tallies.values()),
    )


@dataclass
class ProgramRecord:
    """One person's training in one program: required courses and everything they attended."""

    program: Program
    today: date
    standings: list[tuple[Course, Standing]]
    attendances: list[Attendance]

    @property
    def needing_attention(self) -> list[tuple[Course, Standing]]:
        return [(c, s) for c, s in self.standings if not s.is_compliant]

    @property
    def due_soon(self) -> list[tuple[Course, Standing]]:
        return [(c, s) for c, s in self.standings if s.status == ComplianceStatus.DUE_SOON]


def training_record(*, person: User, programs: list[Program] | None = None) -> list[ProgramRecord]:
    """The person's record in each program they belong to (or in `programs`)."""
    if programs is None:
        programs = list(access.programs_for(person).order_by("name"))
    attendances = list(
        Attendance.objects.filter(user=person, session__course__program__in=programs)
        .select_related("session__course", "session__host", "session__speaker_agency")
        .order_by("-session__starts_at")
    )
    records = []
    for program in programs:
        today = program.today()
        courses = [c for c in Course.objects.filter(program=program, is_active=True).order_by("-is_core", "title")]
        report_person = people_standings(
            program=program, scope=ComplianceScope(user_ids=frozenset({person.pk})), courses=courses, today=today
        )
        standings = report_person[0].standings if report_person else {}
        records.append(
            ProgramRecord(
                program=program,
                today=today,
                standings=[(c, standings[c.pk]) for c in courses if c.pk in standings],
                attendances=[a for a in attendances if a.session.course.program_id == program.pk],
            )
        )
    return records


def upcoming_sessions(*, user: User, days: int = 90, limit: int = 20) -> list[Session]:
    """Sessions in the user's programs that have not ended and start within `days`, soonest first."""
    now = timezone.now()
    sessions = (
        Session.objects.filter(
            course__program__in=access.programs_for(user),
            course__is_active=True,
            ends_at__gte=now,
            starts_at__lte=now + timedelta(days=days),
        )
        .select_related("course__program", "host", "speaker_agency")
        .annotate(
            attendee_count=Count("attendances", distinct=True),
            attending=Count("attendances", filter=Q(attendances__user=user), distinct=True),
        )
        .order_by("starts_at")[:limit]
    )
    roles = user.roles
    result = list(sessions)
    for session in result:
        session.required_for_user = session.course.is_required_for(roles)
        session.places_left = max(0, session.capacity - session.attendee_count)
    return result


def sessions_with_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Attendance and command-staff attendance per session (command participation is shown explicitly)."""
    command = Q(attendances__user__memberships__role=Role.COMMAND, attendances__user__memberships__is_active=True)
    return sessions.annotate(
        attendee_count=Count("attendances", distinct=True),
        command_count=Count("attendances", filter=command, distinct=True),
    )


def session_attendees(session: Session) -> list[Attendance]:
    """Who attended, each marked `is_command` (command participation is shown explicitly)."""
    attendees = list(
        session.attendances.select_related("user", "recorded_by")
        .prefetch_related("user__memberships")
        .order_by("user__last_name", "user__first_name")
    )
    for attendance in attendees:
        attendance.is_command = any(m.role == Role.COMMAND and m.is_active for m in attendance.user.memberships.all())
    return attendees


def roster_candidates(*, session: Session, query: str = "", limit: int = 200) -> tuple[list[Membership], bool]:
    """Program members who could be on this session's roster, matching `query`; and whether the list was cut."""
    memberships = (
        Membership.objects.filter(agency_id__in=session.course.program.agency_ids(), is_active=True, user__is_active=True)
        .select_related("user", "agency", "unit")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    query = query.strip()
    if query:
        memberships = memberships.filter(
            Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__username__icontains=query)
            | Q(badge_number__iexact=query)
        )
    else:
        memberships = memberships.filter(role__in=session.course.required_roles or Role.values)
    seen: set[int] = set()
    result = []
    for membership in memberships[: limit * 2]:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        result.append(membership)
    return result[:limit], len(result) > limit


def core_curriculum_completer_ids(*, program: Program, as_of: date) -> QuerySet:
    """User ids of everyone who had attended every core course of the program by the end of `as_of`.

    A lazy `values_list("user_id", flat=True)` queryset: use it as a subquery
    (`Referral.objects.filter(officer_id__in=...)`) or turn it into a set. A course
    counts once taken, even if its refresher has since lapsed: the comparison is
    "trained in the core curriculum" against "never trained". A program without
    core courses has no completers.
    """
    cutoff = program.local_midnight(as_of + timedelta(days=1))
    core = Course.objects.filter(program=program, is_core=True, is_active=True)
    core_count = core.count()
    if core_count == 0:
        return Attendance.objects.none().values_list("user_id", flat=True)
    return (
        Attendance.objects.filter(session__course__in=core, session__starts_at__lt=cutoff)
        .values("user_id")
        .annotate(core_courses=Count("session__course", distinct=True))
        .filter(core_courses=core_count)
        .values_list("user_id", flat=True)
    )


def courses_with_next_session(program: Program) -> list[Course]:
    now = timezone.now()
    courses = list(
        Course.objects.filter(program=program)
        .annotate(
            next_start=Min("sessions__starts_at", filter=Q(sessions__starts_at__gte=now)),
            session_count=Count("sessions", distinct=True),
        )
        .order_by("-is_active", "-is_core", "title")
    )
    return courses

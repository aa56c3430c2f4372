"""Demo training activity for `manage.py seed_demo`: the catalog, 18 months of sessions and attendance.

Deterministic and safe to run twice: courses are found by title, the history is
written only when the program has no sessions yet, and the upcoming sessions
(including an all-day naloxone drop-in today, for trying the QR check-in) are
found by course and start time before they are created.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction

from deflection.models import Agency, Membership, Program, Role, User
from training.access import ComplianceScope
from training.models import Attendance, AttendanceMethod, Course, InstructorKind, Session
from training.selectors import compliance_report

CORE_ROLES = [Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR, Role.COMMAND]
FIELD_ROLES = [Role.OFFICER, Role.SUPERVISOR, Role.COMMAND]

# title, description, objectives, minutes, required roles, refresher months, core, days between sessions
COURSES = [
    (
        "The science of addiction",
        "Substance use disorder is a chronic, relapsing brain disease, not a moral failing. "
        "What substance use changes in the brain and how those changes show in behaviour.",
        "Describe how repeated substance use changes the brain's reward and stress systems\n"
        "Explain why a person may keep using despite the consequences\n"
        "Use person-first language that reduces stigma",
        120,
        CORE_ROLES,
        24,
        True,
        60,
    ),
    (
        "Adverse Childhood Experiences (ACEs)",
        "How early trauma shapes development and the course of a life, and how officers use "
        "trauma-informed techniques in encounters with vulnerable people.",
        "Name the ten ACEs and their links to substance use\n"
        "Recognise trauma responses during a call\n"
        "Apply trauma-informed de-escalation",
        90,
        CORE_ROLES,
        None,
        True,
        75,
    ),
    (
        "Relapse and recovery",
        "Relapse is often part of recovery. Deflecting the same person more than once is not a "
        "failure of the person, the officer or the program.",
        "Describe the stages of recovery\nExplain why re-referral is expected and worthwhile\n"
        "Respond to a returning participant without judgement",
        90,
        CORE_ROLES,
        24,
        True,
        75,
    ),
    (
        "Historical context: arrest, incarceration and deflection",
        "Arrest and incarceration alone have not solved the drug problem. Trafficking is still "
        "investigated and charged; people with substance use disorders are connected to treatment.",
        "Summarise what decades of enforcement-only drug policy achieved\n"
        "Distinguish trafficking from substance use disorder\nExplain how deflection serves public safety",
        60,
        CORE_ROLES,
        None,
        True,
        90,
    ),
    (
        "Naloxone administration",
        "Recognising an opioid overdose and reversing it with intranasal naloxone; after-care and the naloxone-plus pathway.",
        "Recognise the signs of an opioid overdose\nAdminister intranasal naloxone\n"
        "Start a naloxone-plus referral after a reversal",
        60,
        FIELD_ROLES,
        12,
        False,
        45,
    ),
    (
        "Program procedures and eligibility",
        "How to make a referral from the phone form, the program's eligibility criteria (and why an "
        "active warrant or probation does not block a referral), and each hand-off.",
        "Complete a referral on the phone form in under five minutes\n"
        "Apply the eligibility criteria, including the inclusive ones\nChoose the right hand-off",
        60,
        CORE_ROLES,
        12,
        False,
        60,
    ),
    (
        "Treatment-partner briefing: capacity and what happens after a referral",
        "Harbor Light and Second Chance explain the community's treatment and service capacity, the "
        "barriers people face, and what happens to a person after an officer refers them.",
        "Describe the treatment options and current capacity in the county\n"
        "Explain why a person may decline treatment today\nFollow a referral through the post-referral process",
        60,
        FIELD_ROLES,
        12,
        False,
        60,
    ),
    (
        "Lived-experience panel",
        "People in long-term recovery tell their stories: treatment works, and an officer's "
        "referral can be where recovery starts.",
        "Hear first-hand how recovery happens\nReflect on an officer's part in it",
        90,
        CORE_ROLES,
        None,
        False,
        90,
    ),
]

NALOXONE = "Naloxone administration"
PLACES = [
    "Riverside PD Training Room, 200 Main St",
    "Millbrook PD Community Room, 14 Elm St",
    "Harlan County Emergency Operations Center, 5 Court Sq",
]
VIDEO_URL = "https://video.harlancounty.example/deflection-training"
HARBOR_LIGHT = "Harbor Light Treatment Center"
SECOND_CHANCE = "Second Chance Recovery Coalition"

# Personas with a fixed story: days since their last session of a course (None: never taken).
PERSONA_HISTORY = {
    # The officer's naloxone refresher falls due soon: today's drop-in is theirs to check in to.
    "officer": {NALOXONE: 345},
    # The deputy let the program procedures refresher lapse.
    "deputy": {"Program procedures and eligibility": 430},
}


# Demo logins that lead by example and keep every other course in date.
KEEN_PERSONAS = {"officer", "sergeant", "command", "dispatcher", "deputy"}


def _at(day: date, hour: int, minute: int, program: Program) -> datetime:
    return program.local_datetime(day, time(hour, minute))


@transaction.atomic
def seed(program: Program) -> str:
    courses = _ensure_courses(program)
    agencies = {a.name: a for a in Agency.objects.filter(name__in=[HARBOR_LIGHT, SECOND_CHANCE])}
    coordinator = User.objects.filter(username="coordinator").first()
    sergeant = User.objects.filter(username="sergeant").first()
    medic = (
        User.objects.filter(memberships__agency__name="Harlan County Fire & EMS", memberships__is_active=True)
        .order_by("username")
        .first()
    ) or coordinator
    hosts = {"coordinator": coordinator, "sergeant": sergeant or coordinator, "medic": medic}
    history = ""
    if not Session.objects.filter(course__program=program).exists():
        history = _seed_history(program, courses, agencies, hosts)
    upcoming = _ensure_upcoming(program, courses, agencies, hosts)
    report = compliance_report(program=program, scope=ComplianceScope())
    return (
        f"{len(courses)} courses, {history}{upcoming} upcoming sessions, "
        f"{report.total.people_rate}% of {report.total.people} people fully in date"
    )


def _ensure_courses(program: Program) -> dict[str, Course]:
    courses = {}
    for title, description, objectives, minutes, roles, refresher, core, _cadence in COURSES:
        courses[title], _ = Course.objects.get_or_create(
            program=program,
            title=title,
            defaults={
                "description": description,
                "objectives": objectives,
                "duration_minutes": minutes,
                "required_roles": [str(r) for r in roles],
                "refresher_months": refresher,
                "is_core": core,
                "teaches_naloxone": title == NALOXONE,
            },
        )
    return courses


def _instructor(title: str, n: int, agencies: dict[str, Agency], hosts: dict[str, User]) -> dict:
    """Who teaches each course: staff, speakers from the provider and the community organization."""
    if title == "The science of addiction":
        return {
            "instructor_kind": InstructorKind.PARTNER,
            "speaker_agency": agencies.get(HARBOR_LIGHT),
            "speaker_name": "Dr. Renee Alvarez, Medical Director",
            "host": hosts["coordinator"],
        }
    if title == "Relapse and recovery":
        return {
            "instructor_kind": InstructorKind.PARTNER,
            "speaker_agency": agencies.get(SECOND_CHANCE),
            "speaker_name": "Toni Morales, Peer Recovery Coach",
            "host": hosts["coordinator"],
        }
    if title.startswith("Treatment-partner briefing"):
        agency = HARBOR_LIGHT if n % 2 == 0 else SECOND_CHANCE
        name = "Alex Nguyen, Case Manager" if agency == HARBOR_LIGHT else "Toni Morales, Peer Recovery Coach"
        return {
            "instructor_kind": InstructorKind.PARTNER,
            "speaker_agency": agencies.get(agency),
            "speaker_name": name,
            "host": hosts["coordinator"],
        }
    if title == "Lived-experience panel":
        # Some panellists are named, some chose to stay anonymous (then no name is stored).
        anonymous = n % 3 == 1
        return {
            "instructor_kind": InstructorKind.LIVED_EXPERIENCE,
            "speaker_agency": agencies.get(SECOND_CHANCE),
            "speaker_name": "" if anonymous else ["Marcus T., 6 years in recovery", "Angela R., 11 years in recovery"][n % 2],
            "speaker_anonymous": anonymous,
            "host": hosts["coordinator"],
        }
    if title == NALOXONE:
        return {"instructor_kind": InstructorKind.STAFF, "host": hosts["medic"]}
    if title == "Adverse Childhood Experiences (ACEs)":
        return {"instructor_kind": InstructorKind.STAFF, "host": hosts["sergeant"]}
    return {"instructor_kind": InstructorKind.STAFF, "host": hosts["coordinator"]}


def _session(program, course, day: date, hour: int, n: int, agencies, hosts, rng) -> Session:
    starts_at = _at(day, hour, 0, program)
    online = rng.random() < 0.2
    return Session(
        course=course,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=course.duration_minutes),
        location="" if online else rng.choice(PLACES),
        video_url=VIDEO_URL if online else "",
        capacity=40,
        **_instructor(course.title, n, agencies, hosts),
    )


def _seed_history(program, courses, agencies, hosts) -> str:
    rng = random.Random(5)
    today = program.today()
    start = today - timedelta(days=548)  # 18 months
    sessions: list[Session] = []
    for title, *_rest, cadence in COURSES:
        course = courses[title]
        day, n = start + timedelta(days=rng.randint(0, 20)), 0
        while day < today - timedelta(days=2):
            while day.weekday() >= 5:  # weekdays only
                day += timedelta(days=1)
            sessions.append(_session(program, course, day, rng.choice([9, 14, 19]), n, agencies, hosts, rng))
            day += timedelta(days=cadence + rng.randint(-7, 7))
            n += 1
    # The personas' fixed histories (a refresher falling due soon, say) get a session on their own day,
    # so that the story holds whatever day the demo is seeded (its own generator: the rest stays put).
    persona_rng = random.Random(11)
    wanted = {(title, days) for history in PERSONA_HISTORY.values() for title, days in history.items() if days is not None}
    for title, days in sorted(wanted):
        day = today - timedelta(days=days)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        sessions.append(_session(program, courses[title], day, 9, len(sessions), agencies, hosts, persona_rng))
    Session.objects.bulk_create(sessions)

    tz = program.tz
    by_course: dict[int, list[Session]] = {}
    for session in sorted(sessions, key=lambda s: s.starts_at):
        by_course.setdefault(session.course_id, []).append(session)
    people = _trainees(program)
    taken: dict[int, int] = {}
    attendances: list[Attendance] = []

    def attend(session: Session, user_id: int) -> bool:
        if taken.get(session.pk, 0) >= session.capacity:
            return False
        taken[session.pk] = taken.get(session.pk, 0) + 1
        method = rng.choices([AttendanceMethod.ROSTER, AttendanceMethod.QR, AttendanceMethod.CSV], [5, 4, 1])[0]
        attendances.append(
            Attendance(session=session, user_id=user_id, method=method, recorded_at=session.ends_at, recorded_by=session.host)
        )
        return True

    for user_id, username, roles in people:
        # Most people keep up; some let a refresher slip; a few put training off.
        profile = rng.choices(["keen", "lapsing", "reluctant"], [76, 17, 7])[0]
        if username in KEEN_PERSONAS:
            profile = "keen"
        keenness = {"keen": 0.8, "lapsing": 0.45, "reluctant": 0.25}[profile]
        ready = start + timedelta(days=rng.randint(0, 100))
        fixed = PERSONA_HISTORY.get(username, {})
        for course in courses.values():
            if not course.is_required_for(roles):
                continue
            course_sessions = by_course.get(course.pk, [])
            if course.title in fixed:
                days_ago = fixed[course.title]
                if days_ago is not None and course_sessions:
                    target = today - timedelta(days=days_ago)
                    attend(min(course_sessions, key=lambda s: abs((s.starts_at.astimezone(tz).date() - target).days)), user_id)
                continue
            last: date | None = None
            for session in course_sessions:
                held_on = session.starts_at.astimezone(tz).date()
                if held_on < ready:
                    continue
                if last is not None:
                    due_on = course.refresher_due_on(last)
                    if due_on is None:
                        break
                    if held_on < due_on - timedelta(days=75):
                        continue  # not refresher time yet
                if rng.random() < keenness and attend(session, user_id):
                    last = held_on
    Attendance.objects.bulk_create(attendances, batch_size=1000)
    return f"{len(sessions)} past sessions with {len(attendances)} attendances, "


def _trainees(program: Program) -> list[tuple[int, str, set[str]]]:
    roles: dict[int, tuple[str, set[str]]] = {}
    memberships = Membership.objects.filter(agency_id__in=program.agency_ids(), is_active=True, role__in=CORE_ROLES).values_list(
        "user_id", "user__username", "role"
    )
    for user_id, username, role in memberships.order_by("user_id"):
        roles.setdefault(user_id, (username, set()))[1].add(role)
    return [(user_id, username, r) for user_id, (username, r) in roles.items()]


def _ensure_upcoming(program, courses, agencies, hosts) -> int:
    """A session of every course in the next two months, and today's all-day naloxone drop-in."""
    rng = random.Random(6)
    today = program.today()
    wanted = []
    drop_in = courses[NALOXONE]
    starts_at = _at(today, 6, 0, program)
    wanted.append(
        Session(
            course=drop_in,
            starts_at=starts_at,
            ends_at=_at(today, 23, 30, program),
            location="Riverside PD roll-call room (drop-in, all day)",
            capacity=200,
            **_instructor(NALOXONE, 0, agencies, hosts),
        )
    )
    for i, title in enumerate(courses):
        day = today + timedelta(days=7 + 6 * i)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        wanted.append(_session(program, courses[title], day, [9, 14, 19][i % 3], i, agencies, hosts, rng))
    created = 0
    for session in wanted:
        if not Session.objects.filter(course=session.course, starts_at=session.starts_at).exists():
            session.save()
            created += 1
    return created

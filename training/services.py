"""Training workflows: courses, sessions, attendance (roster, QR check-in, CSV import),
weekly reminders and certificates. Every write is audited with ids only.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import AuditOutcome, Membership, Program, User
from deflection.outbox import enqueue
from deflection.params import parse_id
from deflection.pdf import render_pdf
from training.access import ComplianceScope
from training.models import (
    Attendance,
    AttendanceMethod,
    ComplianceStatus,
    Course,
    Reminder,
    ReminderStatus,
    Session,
)
from training.selectors import people_standings

logger = logging.getLogger(__name__)

CHECK_IN_SALT = "training.check-in"


# --- Courses and sessions -----------------------------------------------------


def course_create(*, program: Program, data: dict[str, Any], created_by: User, audit: AuditContext | None = None) -> Course:
    course = Course.objects.create(program=program, created_by=created_by, **data)
    audit_log(action="training.course.create", context=audit, actor=created_by, obj=course)
    return course


def course_update(*, course: Course, changes: dict[str, Any], updated_by: User, audit: AuditContext | None = None) -> Course:
    if not changes:
        return course
    for name, value in changes.items():
        setattr(course, name, value)
    course.updated_at = timezone.now()
    course.save(update_fields=[*changes, "updated_at"])
    audit_log(action="training.course.update", context=audit, actor=updated_by, obj=course, detail={"fields": sorted(changes)})
    return course


def session_create(*, course: Course, data: dict[str, Any], created_by: User, audit: AuditContext | None = None) -> Session:
    session = Session.objects.create(course=course, created_by=created_by, **data)
    audit_log(action="training.session.create", context=audit, actor=created_by, obj=session)
    return session


def session_update(*, session: Session, changes: dict[str, Any], updated_by: User, audit: AuditContext | None = None) -> Session:
    if not changes:
        return session
    for name, value in changes.items():
        setattr(session, name, value)
    session.save(update_fields=list(changes))
    audit_log(action="training.session.update", context=audit, actor=updated_by, obj=session, detail={"fields": sorted(changes)})
    return session


# --- Attendance -----------------------------------------------------------------


# Codes of the attendance refusals (ServiceError.code); a refusal records nothing.
ALREADY_RECORDED = "already_recorded"
CHECK_IN_CLOSED = "check_in_closed"
SESSION_FULL = "session_full"
NOT_IN_PROGRAM = "not_in_program"
IMPORT_REJECTED = "import_rejected"  # the whole file is unusable (encoding, size, header); nothing was saved


def is_program_member(user: User, program: Program) -> bool:
    return Membership.objects.filter(user=user, agency_id__in=program.agency_ids(), is_active=True).exists()


def attendance_record(
    *, session: Session, user: User, method: str, recorded_by: User | None, audit: AuditContext | None = None
) -> Attendance:
    """Record that `user` attended `session`. Refuses a second record (ALREADY_RECORDED)."""
    try:
        # A savepoint, so that the unique constraint firing leaves the caller's transaction usable.
        with transaction.atomic():
            attendance = Attendance.objects.create(session=session, user=user, method=method, recorded_by=recorded_by)
    except IntegrityError:
        raise ServiceError("Already recorded for this session.", status=409, code=ALREADY_RECORDED)
    audit_log(
        action="training.attendance.record",
        context=audit,
        actor=recorded_by,
        obj=attendance,
        detail={"session": session.pk, "user": user.pk, "method": method},
    )
    return attendance


def attendance_remove(*, attendance: Attendance, removed_by: User, audit: AuditContext | None = None) -> None:
    detail = {"session": attendance.session_id, "user": attendance.user_id, "method": attendance.method}
    attendance_id = attendance.pk
    attendance.delete()
    audit_log(
        action="training.attendance.remove",
        context=audit,
        actor=removed_by,
        object_type="training.attendance",
        object_id=attendance_id,
        detail=detail,
    )


def check_in_token(session: Session) -> str:
    """The signed token in a session's QR code. It names the session; the window is checked on use."""
    return signing.dumps({"session": session.pk}, salt=CHECK_IN_SALT, compress=True)


def session_id_from_token(token: str) -> int | None:
    try:
        payload = signing.loads(token, salt=CHECK_IN_SALT)
    except signing.BadSignature:
        return None
    session_id = payload.get("session") if isinstance(payload, dict) else None
    return session_id if isinstance(session_id, int) else None


def attendance_check_in(
    *, session: Session, user: User, now: datetime | None = None, audit: AuditContext | None = None
) -> Attendance:
    """An attendee's own QR check-in: only while the session's window is open, once, and while there is room.

    The capacity is enforced here only: a self check-in beyond the room's capacity
    suggests the link travelled outside the room, whereas the instructor's roster and
    the coordinator's CSV are records of who was actually there.
    """
    now = now or timezone.now()
    program = session.course.program
    if not is_program_member(user, session.course.program):
        raise ServiceError("You are not a member of this training program.", status=403, code=NOT_IN_PROGRAM)
    with transaction.atomic():
        # Lock the session row so that two check-ins cannot both take the last place.
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if now < locked.check_in_opens_at():
            opens = program.localtime(locked.check_in_opens_at())
            raise ServiceError(
                f"Check-in opens at {opens:%H:%M} on {opens:%b} {opens.day}, 15 minutes before the start.",
                status=403,
                code=CHECK_IN_CLOSED,
            )
        if now > locked.ends_at:
            raise ServiceError(
                "This session has ended; check-in is closed. Ask the instructor to add you to the roster.",
                status=403,
                code=CHECK_IN_CLOSED,
            )
        if Attendance.objects.filter(session=locked, user=user).exists():
            raise ServiceError("You have already checked in to this session.", status=409, code=ALREADY_RECORDED)
        if Attendance.objects.filter(session=locked).count() >= locked.capacity:
            raise ServiceError(
                "This session is full. Ask the instructor to add you to the roster.", status=409, code=SESSION_FULL
            )
        return attendance_record(session=locked, user=user, method=AttendanceMethod.QR, recorded_by=user, audit=audit)


@dataclass
class RosterResult:
    added: int = 0
    removed: int = 0


def roster_save(
    *, session: Session, present_ids: set[int], shown_ids: set[int], recorded_by: User, audit: AuditContext | None = None
) -> RosterResult:
    """Apply the instructor's ticks to the people shown on the roster; people not shown are left alone."""
    if session.check_in_opens_at() > timezone.now():
        raise ServiceError("The roster opens 15 minutes before the session starts.", status=403, code=CHECK_IN_CLOSED)
    if not present_ids <= shown_ids:
        raise ServiceError("The roster changed while you were ticking it; reload the page and try again.")
    members = set(
        Membership.objects.filter(
            user_id__in=shown_ids, agency_id__in=session.course.program.agency_ids(), is_active=True
        ).values_list("user_id", flat=True)
    )
    if shown_ids - members:
        raise ServiceError("Someone on the roster is not a member of this program.")
    result = RosterResult()
    with transaction.atomic():
        existing = {a.user_id: a for a in session.attendances.filter(user_id__in=shown_ids)}
        users = {u.pk: u for u in User.objects.filter(pk__in=present_ids - existing.keys())}
        for user_id in sorted(present_ids - existing.keys()):
            attendance_record(
                session=session, user=users[user_id], method=AttendanceMethod.ROSTER, recorded_by=recorded_by, audit=audit
            )
            result.added += 1
        for user_id in sorted(shown_ids - present_ids):
            if user_id in existing:
                attendance_remove(attendance=existing[user_id], removed_by=recorded_by, audit=audit)
                result.removed += 1
    return result


# --- CSV import -------------------------------------------------------------------

IMPORT_COLUMNS = ("session_id", "session_date", "username")
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_ROWS = 5_000


def _file_rejected(message: str) -> ServiceError:
    return ServiceError(message, code=IMPORT_REJECTED)


@dataclass
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    saved: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise _file_rejected("The file is empty.")
    try:
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_rejected(
            'The file is not UTF-8 text. In Excel choose "Save as: CSV UTF-8 (comma delimited)" and upload it again.'
        )
    if "\x00" in text:
        raise _file_rejected("The file contains binary data; upload a CSV text file.")
    return text


def attendance_import_csv(*, program: Program, data: bytes, imported_by: User, audit: AuditContext | None = None) -> ImportResult:
    """Import attendance rows `session_id,session_date,username` for one program.

    Each row is one attendance and is taken whole or not at all. Every row is
    checked first; then all good rows are saved in one transaction, so a file is
    never half-imported: the bad rows come back with their line numbers and
    reasons and can be fixed and uploaded again (rows already recorded are
    skipped, so re-uploading the whole file is safe). A problem with the file
    itself (size, encoding, header) saves nothing.
    """
    if len(data) > IMPORT_MAX_BYTES:
        raise _file_rejected(f"The file is larger than {IMPORT_MAX_BYTES // 1_000_000} MB; split it into smaller files.")
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = next(reader, None)
        rows = []
        for row in reader:
            if len(rows) >= IMPORT_MAX_ROWS:
                raise _file_rejected(f"The file has more than {IMPORT_MAX_ROWS:,} rows; split it into smaller files.")
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise _file_rejected(f"Line {reader.line_num}: this is not a readable CSV file ({exc}).")
    header = [h.strip().lower() for h in header or []]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise _file_rejected(
            f"The first line must name the columns session_id, session_date and username (missing: {', '.join(missing)})."
        )
    if len(set(header)) != len(header):
        raise _file_rejected("The first line names a column twice.")
    if not rows:
        raise _file_rejected("The file has a header line but no rows.")
    result = ImportResult(ignored_columns=[h for h in header if h not in IMPORT_COLUMNS])
    index = {name: header.index(name) for name in IMPORT_COLUMNS}

    parsed = []
    for line, row in rows:
        if len(row) != len(header):
            result.errors.append(RowProblem(line, f"expected {len(header)} values, found {len(row)}"))
            continue
        parsed.append((line, *(row[index[name]].strip() for name in IMPORT_COLUMNS)))

    session_ids = {parse_id(s) for _, s, _, _ in parsed} - {None}
    sessions = {s.pk: s for s in Session.objects.filter(pk__in=session_ids, course__program=program).select_related("course")}
    usernames = {u for _, _, _, u in parsed if u}
    members = {
        username: user_id
        for user_id, username in Membership.objects.filter(
            agency_id__in=program.agency_ids(), is_active=True, user__is_active=True, user__username__in=usernames
        ).values_list("user_id", "user__username")
    }
    existing = set(
        Attendance.objects.filter(session_id__in=sessions.keys(), user_id__in=members.values()).values_list(
            "session_id", "user_id"
        )
    )
    tz = program.tz
    now = timezone.now()
    seen: dict[tuple[int, int], int] = {}
    to_create: list[Attendance] = []
    for line, raw_session, raw_date, username in parsed:
        reasons = []
        session = None
        if not raw_session:
            reasons.append("session_id is missing")
        elif parse_id(raw_session) is None:
            reasons.append(f"session_id {raw_session!r} is not a number")
        else:
            session = sessions.get(parse_id(raw_session))
            if session is None:
                reasons.append(f"no session {raw_session} in this program")
        session_date = None
        if not raw_date:
            reasons.append("session_date is missing")
        else:
            try:
                session_date = date.fromisoformat(raw_date)
            except ValueError:
                reasons.append(f"session_date {raw_date!r} is not a date (use YYYY-MM-DD)")
        if session is not None and session_date is not None:
            held_on = session.starts_at.astimezone(tz).date()
            if held_on != session_date:
                reasons.append(f"session {session.pk} was on {held_on:%Y-%m-%d}, not {session_date:%Y-%m-%d}")
            elif session.starts_at > now:
                reasons.append(f"session {session.pk} has not taken place yet")
        user_id = None
        if not username:
            reasons.append("username is missing")
        else:
            user_id = members.get(username)
            if user_id is None:
                reasons.append(f"no active member {username!r} in this program")
        if reasons:
            result.errors.append(RowProblem(line, "; ".join(reasons)))
            continue
        key = (session.pk, user_id)
        if key in existing:
            result.skipped.append(RowProblem(line, f"{username} is already recorded at session {session.pk}"))
        elif key in seen:
            result.skipped.append(RowProblem(line, f"repeats line {seen[key]}"))
        else:
            seen[key] = line
            to_create.append(Attendance(session=session, user_id=user_id, method=AttendanceMethod.CSV, recorded_by=imported_by))

    result.errors.sort(key=lambda problem: problem.line)
    with transaction.atomic():
        # ignore_conflicts: a roster tick or QR check-in that landed since the check above is not an error.
        created = Attendance.objects.bulk_create(to_create, ignore_conflicts=True)
        result.saved = len(created)
        audit_log(
            action="training.attendance.import",
            context=audit,
            actor=imported_by,
            obj=program,
            outcome=AuditOutcome.SUCCESS if not result.errors else AuditOutcome.FAILURE,
            detail={
                "saved": result.saved,
                "errors": len(result.errors),
                "skipped": len(result.skipped),
                "sessions": sorted({a.session_id for a in to_create}),
            },
        )
    return result


# --- Reminders --------------------------------------------------------------------


def week_of(day: date) -> date:
    """The Monday of `day`'s week: reminders are keyed by week, so a retried run adds nothing."""
    return day - timedelta(days=day.weekday())


def reminders_plan(*, now: datetime | None = None) -> date:
    """Create this week's reminder rows for everyone whose required training is due or overdue.

    Safe to run any number of times a week: the unique (user, course, week) row is
    created once, whatever the retries.
    """
    now = now or timezone.now()
    week = week_of(now.astimezone(UTC).date())
    for program in Program.objects.order_by("pk"):
        courses = list(Course.objects.filter(program=program, is_active=True).exclude(required_roles=[]))
        if not courses:
            continue
        today = program.local_date(now)
        rows = [
            Reminder(user_id=person.user_id, course_id=course_id, week=week, standing=standing.status, due_on=standing.due_on)
            for person in people_standings(program=program, scope=ComplianceScope(), courses=courses, today=today)
            for course_id, standing in person.standings.items()
            if standing.status in ComplianceStatus.needs_reminder()
        ]
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return week


def reminders_queue_weekly(*, now: datetime | None = None) -> int:
    """The weekly beat job: plan this week's reminders, then queue one email task per person still pending."""
    week = reminders_plan(now=now)
    with transaction.atomic():
        user_ids = list(
            Reminder.objects.filter(week=week, status=ReminderStatus.PENDING)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()
        )
        for user_id in user_ids:
            enqueue("training.tasks.send_training_reminder", user_id=user_id, week=week.isoformat())
    return len(user_ids)


def reminder_send(*, user_id: int, week: date) -> int:
    """Email one person about all their pending reminders of `week`. Returns how many reminders it covered.

    The rows are claimed (PENDING -> SENDING) and committed before the email goes out,
    so a second delivery of the task finds nothing to send. If the mail server refuses,
    the claim is released and the task's retry tries again.
    """
    with transaction.atomic():
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(user_id=user_id, week=week, status=ReminderStatus.PENDING)
            .values_list("id", flat=True)
        )
        if not claimed:
            return 0
        Reminder.objects.filter(pk__in=claimed).update(status=ReminderStatus.SENDING, claimed_at=timezone.now())
    user = User.objects.get(pk=user_id)
    link = settings.SITE_URL + reverse("training:mine")
    body = (
        "Training that your role in the deflection program requires is due within 30 days, or overdue.\n\n"
        f"Your training record and the upcoming sessions:\n{link}\n\n"
        "You get this reminder at most once a week while training is due.\n"
    )
    try:
        send_mail("Training due: deflection program", body, None, [user.email])
    except Exception:
        Reminder.objects.filter(pk__in=claimed, status=ReminderStatus.SENDING).update(
            status=ReminderStatus.PENDING, claimed_at=None
        )
        raise
    Reminder.objects.filter(pk__in=claimed).update(status=ReminderStatus.SENT, sent_at=timezone.now())
    logger.info("training reminder sent: user %s, %s reminders, week %s", user_id, len(claimed), week)
    return len(claimed)


# --- Certificates -------------------------------------------------------------------


def certificate_pdf(*, attendance: Attendance, requested_by: User, audit: AuditContext | None = None) -> bytes:
    """A certificate of completion for one attendance; every download is audited."""
    session = attendance.session
    program = session.course.program
    held_on = program.local_date(session.starts_at)
    pdf = render_pdf(
        "training/pdf/certificate.html",
        {
            "attendance": attendance,
            "session": session,
            "course": session.course,
            "program": program,
            "held_on": held_on,
            "due_on": session.course.refresher_due_on(held_on),
            "issued_on": program.today(),
        },
    )
    audit_log(
        action="training.certificate.pdf",
        context=audit,
        actor=requested_by,
        obj=attendance,
        detail={"user": attendance.user_id, "session": session.pk},
    )
    return pdf

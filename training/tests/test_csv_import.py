"""CSV attendance import: good rows saved together, each bad row reported by line and reason."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deflection.errors import ServiceError
from deflection.models import AuditEvent
from training.models import Attendance, AttendanceMethod
from training.services import IMPORT_MAX_BYTES, IMPORT_REJECTED, attendance_import_csv
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory


@pytest.fixture
def sessions(world, course):
    past = SessionFactory(course=course, starts_at=datetime(2025, 3, 4, 15, 0, tzinfo=UTC))  # 09:00 in Chicago
    # 20:00 in Chicago on 5 March is 02:00 UTC on the 6th: the file gives the local date.
    evening = SessionFactory(course=course, starts_at=datetime(2025, 3, 6, 2, 0, tzinfo=UTC))
    # Midday a week ahead, so its local date is the same whatever the hour of the run.
    future = SessionFactory(
        course=course,
        starts_at=(datetime.now(UTC) + timedelta(days=7)).replace(hour=18, minute=0, second=0, microsecond=0),
    )
    elsewhere = SessionFactory(course=CourseFactory(program=world.other_program), starts_at=past.starts_at)
    return past, evening, future, elsewhere


def mixed_file(past, evening, future, elsewhere) -> bytes:
    lines = [
        "session_id,session_date,username",
        f"{past.pk},2025-03-04,officer",
        f"{past.pk},2025-03-04,officer2",
        "abc,2025-03-04,deputy",
        "99999999,2025-03-04,deputy",
        f"{past.pk},2025-02-30,deputy",
        f"{past.pk},2025-03-05,deputy",
        f"{past.pk},2025-03-04,nobody",
        f"{past.pk},2025-03-04,outsider",
        f"{past.pk},2025-03-04",
        f"{elsewhere.pk},2025-03-04,deputy",
        f"{future.pk},{future.starts_at.astimezone(ZoneInfo(future.course.program.time_zone)):%Y-%m-%d},deputy",
        f"{past.pk},2025-03-04,officer",
        ",,",
        f"{evening.pk},2025-03-05,dispatcher",
        ",,deputy",
        f"{past.pk},04/03/2025,",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_mixed_file_saves_the_good_rows_and_reports_each_bad_row_exactly(world, sessions):
    past, evening, future, elsewhere = sessions
    result = attendance_import_csv(program=world.program, data=mixed_file(*sessions), imported_by=world.coordinator)
    assert [str(p) for p in result.errors] == [
        "Line 4: session_id 'abc' is not a number",
        "Line 5: no session 99999999 in this program",
        "Line 6: session_date '2025-02-30' is not a date (use YYYY-MM-DD)",
        f"Line 7: session {past.pk} was on 2025-03-04, not 2025-03-05",
        "Line 8: no active member 'nobody' in this program",
        "Line 9: no active member 'outsider' in this program",
        "Line 10: expected 3 values, found 2",
        f"Line 11: no session {elsewhere.pk} in this program",
        f"Line 12: session {future.pk} has not taken place yet",
        "Line 16: session_id is missing; session_date is missing",
        "Line 17: session_date '04/03/2025' is not a date (use YYYY-MM-DD); username is missing",
    ]
    assert [str(p) for p in result.skipped] == ["Line 13: repeats line 2"]
    assert result.saved == 3
    saved = set(Attendance.objects.values_list("session_id", "user__username", "method"))
    assert saved == {
        (past.pk, "officer", AttendanceMethod.CSV),
        (past.pk, "officer2", AttendanceMethod.CSV),
        (evening.pk, "dispatcher", AttendanceMethod.CSV),
    }
    audit = AuditEvent.objects.get(action="training.attendance.import")
    assert audit.detail == {"saved": 3, "errors": 11, "skipped": 1, "sessions": sorted({past.pk, evening.pk})}


def test_uploading_the_same_file_again_adds_nothing(world, sessions):
    data = mixed_file(*sessions)
    attendance_import_csv(program=world.program, data=data, imported_by=world.coordinator)
    again = attendance_import_csv(program=world.program, data=data, imported_by=world.coordinator)
    assert again.saved == 0
    assert [str(p) for p in again.skipped][:2] == [
        f"Line 2: officer is already recorded at session {sessions[0].pk}",
        f"Line 3: officer2 is already recorded at session {sessions[0].pk}",
    ]
    assert Attendance.objects.count() == 3


def test_a_row_already_recorded_by_the_roster_is_skipped(world, sessions):
    AttendanceFactory(session=sessions[0], user=world.officer)
    data = f"session_id,session_date,username\n{sessions[0].pk},2025-03-04,officer\n".encode()
    result = attendance_import_csv(program=world.program, data=data, imported_by=world.coordinator)
    assert (result.saved, result.errors) == (0, [])
    assert Attendance.objects.get().method == AttendanceMethod.ROSTER


def test_columns_may_come_in_any_order_with_extra_columns_and_an_excel_bom(world, sessions):
    data = f"Name,USERNAME,Session_Date,session_id\nSam G,officer,2025-03-04,{sessions[0].pk}\n".encode("utf-8-sig")
    result = attendance_import_csv(program=world.program, data=data, imported_by=world.coordinator)
    assert (result.saved, result.errors, result.ignored_columns) == (1, [], ["name"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \r\n", "The file is empty."),
        ("session_id,session_date,username\n1,2025-03-04,Jos\xe9\n".encode("latin-1"), "The file is not UTF-8 text."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not UTF-8 text."),
        (b"session_id,session_date,username\n1,\x00,x\n", "The file contains binary data"),
        (b"session,date,user\n1,2025-03-04,officer\n", "(missing: session_id, session_date, username)"),
        (b"session_id;session_date;username\n1;2025-03-04;officer\n", "(missing: session_id, session_date, username)"),
        (b"session_id,username\n1,officer\n", "(missing: session_date)"),
        (b"session_id,session_date,username,username\n", "The first line names a column twice."),
        (b"session_id,session_date,username\n", "The file has a header line but no rows."),
        (b"x" * (IMPORT_MAX_BYTES + 1), "The file is larger than 1 MB"),
        (
            b"session_id,session_date,username\n" + b"1,2025-03-04,officer\n" * 5001,
            "The file has more than 5,000 rows",
        ),
    ],
)
def test_an_unusable_file_is_rejected_whole_with_a_clear_message(world, sessions, data, message):
    with pytest.raises(ServiceError) as rejected:
        attendance_import_csv(program=world.program, data=data, imported_by=world.coordinator)
    assert message in rejected.value.message and rejected.value.code == IMPORT_REJECTED
    assert not Attendance.objects.exists()


# --- the upload page -------------------------------------------------------------


def upload(client, world, data: bytes, name="attendance.csv"):
    return client.post(reverse("training:import", args=[world.program.pk]), {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_coordinator_uploads_a_mixed_file_and_sees_every_bad_line(client, world, sessions):
    client.force_login(world.coordinator)
    response = upload(client, world, mixed_file(*sessions))
    assert response.status_code == 400
    body = response.content.decode()
    assert "3 attendance records saved. 1 row skipped. 11 rows rejected." in body
    assert "Line 4: session_id &#x27;abc&#x27; is not a number" in body
    assert "Line 17: session_date &#x27;04/03/2025&#x27; is not a date (use YYYY-MM-DD); username is missing" in body
    assert Attendance.objects.count() == 3


def test_a_clean_file_is_a_200(client, world, sessions):
    client.force_login(world.coordinator)
    response = upload(client, world, f"session_id,session_date,username\n{sessions[0].pk},2025-03-04,officer\n".encode())
    assert response.status_code == 200
    assert "1 attendance record saved." in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Jos\xe9".encode("latin-1"), "The file is not UTF-8 text."),
        (b"a,b\n1,2\n", "Nothing was imported. The first line must name the columns session_id, session_date and username"),
        (b"x" * (IMPORT_MAX_BYTES + 10), "The file is larger than 1 MB"),
    ],
)
def test_bad_files_are_a_400_with_the_reason(client, world, sessions, data, message):
    client.force_login(world.coordinator)
    response = upload(client, world, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attendance.objects.exists()


def test_posting_without_a_file_is_a_400(client, world):
    client.force_login(world.coordinator)
    response = client.post(reverse("training:import", args=[world.program.pk]), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("persona", ["officer", "supervisor", "command", "case_manager"])
def test_only_coordinators_import(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("training:import", args=[world.program.pk])).status_code == 404


def test_a_coordinator_cannot_import_into_another_program(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("training:import", args=[world.other_program.pk])).status_code == 404
    assert client.get("/training/programs/abc/import/").status_code == 404

"""Scheduling sessions: a staff instructor, a treatment-partner speaker, or a lived-experience speaker
(named or anonymous by choice); times typed in the program's time zone."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from deflection.models import AgencyKind, AuditEvent
from deflection.tests.factories import AgencyFactory
from training.models import InstructorKind, Session
from training.tests.factories import AttendanceFactory, SessionFactory


def form(world, **change):
    data = {
        "starts_at": "2025-07-01T09:00",
        "ends_at": "",
        "location": "Training Room, 200 Main St",
        "video_url": "",
        "capacity": "30",
        "instructor_kind": InstructorKind.STAFF,
        "host": str(world.supervisor.pk),
        "speaker_agency": "",
        "speaker_name": "",
    }
    return {**data, **change}


def create(client, course, data):
    return client.post(reverse("training:session_create", args=[course.pk]), data)


def test_staff_session_in_the_programs_time_zone(client, world, course):
    client.force_login(world.coordinator)
    response = create(client, course, form(world))
    session = Session.objects.get()
    assert response.status_code == 302
    # 09:00 in Chicago in July is 14:00 UTC; no end given, so the course's 60 minutes.
    assert session.starts_at == datetime(2025, 7, 1, 14, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2025, 7, 1, 15, 0, tzinfo=UTC)
    assert (session.host, session.speaker_label()) == (world.supervisor, world.supervisor.get_full_name())
    assert AuditEvent.objects.filter(action="training.session.create", object_id=str(session.pk)).exists()


def test_treatment_partner_speaker_from_a_partner_agency(client, world, course):
    client.force_login(world.coordinator)
    data = form(
        world,
        instructor_kind=InstructorKind.PARTNER,
        speaker_agency=str(world.provider.pk),
        speaker_name="Dr. Renee Alvarez",
        host="",
        video_url="https://video.example.org/room",
        location="",
    )
    assert create(client, course, data).status_code == 302
    assert Session.objects.get().speaker_label() == "Dr. Renee Alvarez, Harbor Light"


def test_lived_experience_speaker_may_stay_anonymous_and_no_name_is_kept(client, world, course):
    client.force_login(world.coordinator)
    data = form(world, instructor_kind=InstructorKind.LIVED_EXPERIENCE, speaker_anonymous="on", host="")
    assert create(client, course, data).status_code == 302
    session = Session.objects.get()
    assert (session.speaker_name, session.speaker_anonymous) == ("", True)
    assert session.speaker_label() == "A person in recovery (anonymous by choice)"


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"starts_at": "2025-13-45T09:00"}, "Enter a valid date/time."),
        ({"starts_at": "yesterday"}, "Enter a valid date/time."),
        ({"starts_at": ""}, "This field is required."),
        ({"ends_at": "2025-07-01T08:00"}, "The session must end after it starts."),
        ({"ends_at": "2025-02-30T10:00"}, "Enter a valid date/time."),
        ({"starts_at": "9999-12-31T23:30", "ends_at": ""}, "Enter a date between 1900 and 2200."),
        ({"starts_at": "0001-01-01T00:10"}, "Enter a date between 1900 and 2200."),
        ({"location": ""}, "Give a place, a video link, or both."),
        ({"video_url": "not a link", "location": ""}, "Enter a valid URL."),
        ({"capacity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"capacity": "lots"}, "Enter a whole number."),
        ({"host": ""}, "Choose the staff member who teaches the session."),
        ({"host": "99999999"}, "Select a valid choice."),
        ({"instructor_kind": InstructorKind.PARTNER, "speaker_name": "Dr. A"}, "Choose the partner agency"),
        (
            {"instructor_kind": InstructorKind.LIVED_EXPERIENCE, "speaker_anonymous": "on", "speaker_name": "Marcus T."},
            "Leave the name empty for a speaker who chose to stay anonymous.",
        ),
        ({"instructor_kind": InstructorKind.LIVED_EXPERIENCE}, "Give the speaker&#x27;s name, or tick"),
        ({"instructor_kind": "magician"}, "Select a valid choice."),
    ],
)
def test_bad_session_input_is_a_400_with_the_reason(client, world, course, change, field_message):
    client.force_login(world.coordinator)
    response = create(client, course, form(world, **change))
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not Session.objects.exists()


def test_a_speaker_agency_outside_the_program_is_refused(client, world, course):
    stranger = AgencyFactory(name="Faraway Clinic", kind=AgencyKind.TREATMENT)
    client.force_login(world.coordinator)
    data = form(world, instructor_kind=InstructorKind.PARTNER, speaker_agency=str(stranger.pk), speaker_name="Dr. B")
    assert create(client, course, data).status_code == 400


def test_coordinator_moves_a_session_and_only_the_changes_are_audited(client, world, course):
    session = SessionFactory(course=course, starts_at=datetime(2025, 7, 1, 14, 0, tzinfo=UTC), host=world.supervisor)
    client.force_login(world.coordinator)
    data = form(world, starts_at="2025-07-02T09:00", ends_at="2025-07-02T10:30", location=session.location, capacity="25")
    assert client.post(reverse("training:session_edit", args=[session.pk]), data).status_code == 302
    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == (
        datetime(2025, 7, 2, 14, 0, tzinfo=UTC),
        datetime(2025, 7, 2, 15, 30, tzinfo=UTC),
    )
    audit = AuditEvent.objects.get(action="training.session.update")
    assert audit.detail == {"fields": ["ends_at", "starts_at"]}


@pytest.mark.parametrize("persona", ["officer", "supervisor", "command"])
def test_only_coordinators_schedule(client, world, course, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("training:session_create", args=[course.pk])).status_code == 404
    assert create(client, course, form(world)).status_code == 404


def test_session_page_shows_command_participation_and_the_qr_code_only_to_who_runs_it(client, world, session_now):
    AttendanceFactory(session=session_now, user=world.command)
    AttendanceFactory(session=session_now, user=world.officer)
    url = reverse("training:session", args=[session_now.pk])

    client.force_login(world.other_officer)
    body = client.get(url).content.decode()
    assert "2 attended, including <strong>1 command staff</strong>" in body
    assert "<svg" not in body and world.command.get_full_name() not in body

    client.force_login(world.supervisor)  # the host
    body = client.get(url).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body and 'class="qr-code"' in body
    assert "/training/check-in/" in body
    assert world.command.get_full_name() in body and ">Command</span>" in body
    assert "Edit session" not in body  # hosts take the roster; coordinators edit


def test_a_session_of_another_program_is_not_found(client, world):
    session = SessionFactory(course__program=world.other_program)
    client.force_login(world.officer)
    assert client.get(reverse("training:session", args=[session.pk])).status_code == 404
    assert client.get("/training/sessions/9999999/").status_code == 404


def test_the_edit_form_shows_times_in_the_programs_time_zone(client, world, course):
    session = SessionFactory(course=course, starts_at=datetime(2025, 1, 15, 15, 0, tzinfo=UTC), host=world.supervisor)
    client.force_login(world.coordinator)
    body = client.get(reverse("training:session_edit", args=[session.pk])).content.decode()
    assert 'value="2025-01-15T09:00"' in body  # 15:00 UTC is 09:00 in Chicago in January
    assert 'value="2025-01-15T10:00"' in body

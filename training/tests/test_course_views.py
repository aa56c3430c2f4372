"""The course catalog: everyone in the program reads it; coordinators add and edit courses."""

import pytest
from django.urls import reverse

from deflection.models import AuditEvent
from training.models import Course
from training.tests.factories import CourseFactory

GOOD = {
    "title": "Naloxone administration",
    "description": "Reversing an opioid overdose.",
    "objectives": "Recognise an overdose\nAdminister naloxone",
    "duration_minutes": "60",
    "required_roles": ["officer", "dispatcher"],
    "refresher_months": "12",
    "is_active": "on",
}


def test_coordinator_adds_a_course(client, world):
    client.force_login(world.coordinator)
    response = client.post(reverse("training:course_create", args=[world.program.pk]), GOOD)
    course = Course.objects.get()
    assert response.status_code == 302 and response.url == reverse("training:course", args=[course.pk])
    assert (course.program, course.required_roles, course.refresher_months, course.created_by) == (
        world.program,
        ["officer", "dispatcher"],
        12,
        world.coordinator,
    )
    assert course.objective_list() == ["Recognise an overdose", "Administer naloxone"]
    assert AuditEvent.objects.filter(action="training.course.create", object_id=str(course.pk)).exists()


def test_coordinator_edits_only_what_changed(client, world):
    course = CourseFactory(program=world.program, title="Naloxone administration", refresher_months=12)
    client.force_login(world.coordinator)
    data = {**GOOD, "refresher_months": "", "required_roles": ["officer"]}
    response = client.post(reverse("training:course_edit", args=[course.pk]), data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.refresher_months, course.required_roles) == (None, ["officer"])
    audit = AuditEvent.objects.get(action="training.course.update")
    assert set(audit.detail["fields"]) >= {"refresher_months", "required_roles"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duration_minutes": "0"}, "Ensure this value is greater than or equal to 5."),
        ({"duration_minutes": "abc"}, "Enter a whole number."),
        ({"refresher_months": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"refresher_months": "twelve"}, "Enter a whole number."),
        ({"required_roles": ["pilot"]}, "Select a valid choice. pilot is not one of the available choices."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_course_input_is_a_400_with_the_reason(client, world, change, message):
    client.force_login(world.coordinator)
    response = client.post(reverse("training:course_create", args=[world.program.pk]), {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Course.objects.exists()


def test_a_title_is_unique_within_a_program(client, world):
    CourseFactory(program=world.program, title="Naloxone Administration")
    CourseFactory(program=world.other_program, title="Naloxone administration")
    client.force_login(world.coordinator)
    response = client.post(reverse("training:course_create", args=[world.program.pk]), GOOD)
    assert response.status_code == 400
    assert "This program already has a course with this title." in response.content.decode()


@pytest.mark.parametrize("persona", ["officer", "supervisor", "command", "case_manager", "outsider"])
def test_only_coordinators_add_or_edit(client, world, persona):
    course = CourseFactory(program=world.program)
    client.force_login(getattr(world, persona))
    assert client.get(reverse("training:course_create", args=[world.program.pk])).status_code == 404
    assert client.post(reverse("training:course_edit", args=[course.pk]), GOOD).status_code == 404
    course.refresh_from_db()
    assert course.title != GOOD["title"]


def test_members_read_the_catalog_and_inactive_courses_are_hidden_from_them(client, world):
    CourseFactory(program=world.program, title="Science of addiction", is_core=True)
    CourseFactory(program=world.program, title="Retired course", is_active=False)
    client.force_login(world.deputy)
    body = client.get(reverse("training:program", args=[world.program.pk])).content.decode()
    assert "Science of addiction" in body and "Retired course" not in body and "Add a course" not in body
    client.force_login(world.coordinator)
    body = client.get(reverse("training:program", args=[world.program.pk])).content.decode()
    assert "Retired course" in body and "Add a course" in body


def test_a_course_of_another_program_is_not_found(client, world):
    course = CourseFactory(program=world.other_program)
    client.force_login(world.officer)
    assert client.get(reverse("training:course", args=[course.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="training.course").exists()
    assert client.get("/training/courses/abc/").status_code == 404

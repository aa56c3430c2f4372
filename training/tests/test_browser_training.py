"""In real Chromium at a phone viewport: an officer checks in from the QR link and sees the record change;
the instructor ticks a roster with one thumb; training pages fit a 360 px screen."""

import pytest
from django.urls import reverse

from conftest import browser_login
from training.models import Attendance, AttendanceMethod
from training.services import check_in_token

pytestmark = pytest.mark.browser


def test_officer_checks_in_by_qr_link_and_sees_the_updated_record(phone, world, session_now):
    browser_login(phone, "officer", world.password)
    phone.goto(reverse("training:mine"))
    course = phone.get_by_role("list", name="Required courses").get_by_role("listitem").filter(has_text="Naloxone")
    assert "Never taken" in course.inner_text()

    # What the phone camera opens after scanning the code on the instructor's screen.
    phone.goto(reverse("training:check_in", args=[check_in_token(session_now)]))
    phone.get_by_role("button", name="Check in").tap()
    phone.wait_for_url("**/training/")

    assert "You are checked in to “Naloxone administration”" in phone.get_by_role("status").first.inner_text()
    course = phone.get_by_role("list", name="Required courses").get_by_role("listitem").filter(has_text="Naloxone")
    assert "Completed" in course.inner_text()
    assert "Never taken" not in course.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Scanning again is refused, politely, and adds nothing.
    response = phone.goto(reverse("training:check_in", args=[check_in_token(session_now)]))
    assert response.status == 200
    assert "You checked in at" in phone.content()
    assert Attendance.objects.filter(user=world.officer).count() == 1
    assert Attendance.objects.get().method == AttendanceMethod.QR


def test_instructor_ticks_the_roster_on_a_phone(phone, world, session_now):
    browser_login(phone, "sergeant", world.password)
    phone.goto(reverse("training:roster", args=[session_now.pk]))
    phone.get_by_role("searchbox", name="Find a person").fill(world.other_officer.last_name)
    phone.get_by_role("button", name="Find").tap()
    phone.get_by_role("checkbox", name=world.other_officer.get_full_name()).tap()
    phone.get_by_role("button", name="Save roster").tap()
    assert "Roster saved: 1 added, 0 removed." in phone.get_by_role("status").first.inner_text()
    attendance = Attendance.objects.get()
    assert (attendance.user, attendance.method, attendance.recorded_by) == (
        world.other_officer,
        AttendanceMethod.ROSTER,
        world.supervisor,
    )


def test_training_pages_fit_a_360_pixel_screen(phone, world, session_now):
    phone.set_viewport_size({"width": 360, "height": 740})
    console = []
    phone.on("console", lambda message: console.append(message.text))
    browser_login(phone, "coordinator", world.password)
    course = session_now.course
    for url in [
        reverse("training:mine"),
        reverse("training:program", args=[world.program.pk]),
        reverse("training:compliance", args=[world.program.pk]),
        reverse("training:course", args=[course.pk]),
        reverse("training:course_edit", args=[course.pk]),
        reverse("training:session_create", args=[course.pk]),
        reverse("training:session", args=[session_now.pk]),
        reverse("training:roster", args=[session_now.pk]),
        reverse("training:import", args=[world.program.pk]),
        reverse("training:person", args=[world.officer.pk]),
        reverse("training:check_in", args=[check_in_token(session_now)]),
    ]:
        response = phone.goto(url)
        assert response.status == 200, url
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, url
    # The QR code is inline SVG and nothing uses inline style: the nonce CSP refuses nothing.
    assert not [text for text in console if "Content Security Policy" in text]

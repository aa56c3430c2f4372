"""The BJA COSSUP-shaped quarterly export: coordinators only, counts with their definitions beside them."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from deflection.models import AuditEvent, Role
from deflection.tests.factories import MembershipFactory, UserFactory
from reports.tests.conftest import MARCH


def export_url(world, quarter=None):
    base = reverse("reports:federal_export", args=[world.program.pk])
    return f"{base}?quarter={quarter}" if quarter else base


@pytest.fixture
def naloxone(reports_world):
    from training.models import Attendance, AttendanceMethod, Course, InstructorKind, Session

    course = Course.objects.create(
        program=reports_world.program,
        title="Overdose response",  # the flag counts, not the title
        description="-",
        objectives="-",
        duration_minutes=60,
        teaches_naloxone=True,
    )
    session = Session.objects.create(
        course=course,
        starts_at=MARCH,
        ends_at=MARCH + timedelta(hours=1),
        location="Hall",
        capacity=50,
        instructor_kind=InstructorKind.STAFF,
        host=reports_world.coordinator,
    )
    for user in (reports_world.officer, reports_world.deputy, reports_world.dispatcher):
        Attendance.objects.create(session=session, user=user, method=AttendanceMethod.ROSTER)
    return course


def test_a_coordinator_downloads_q1_with_definitions(client, reports_world, naloxone):
    client.force_login(reports_world.coordinator)
    response = client.get(export_url(reports_world, "2026-Q1"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure_code", "measure", "value", "definition"]
    values = {row[0]: row[2] for row in rows[1:] if len(row) == 4}
    definitions = {row[0]: row[3] for row in rows[1:] if len(row) == 4}
    # 79 referrals in Q1 (54 in March, 25 in February), none naming a service: all went to the treatment provider.
    assert values["diversion_referrals_total"] == "79"
    assert values["referred_to_treatment"] == "79"
    assert values["referred_to_recovery_support"] == "0"
    assert values["trained_in_naloxone"] == "3"
    assert values["pre_arrest_diversion_referrals"] == "0"
    assert values["engaged_in_treatment_30_days"] == "43"  # 30 in March and 13 in February
    assert all(definitions[code] for code in values)
    assert ["program", "County Deflection"] in rows
    assert AuditEvent.objects.filter(action="federal_export.csv", actor=reports_world.coordinator).exists()


@pytest.mark.parametrize("persona", ["command", "officer", "supervisor", "case_manager"])
def test_only_coordinators_and_administrators_export(client, reports_world, persona):
    client.force_login(getattr(reports_world, persona))
    assert client.get(export_url(reports_world, "2026-Q1")).status_code == 404


def test_an_administrator_exports_too(client, reports_world):
    client.force_login(reports_world.administrator)
    assert client.get(export_url(reports_world, "2026-Q1")).status_code == 200


@pytest.mark.parametrize("quarter", ["2026-03", "2026-Q9", "nonsense", "2026"])
def test_a_bad_quarter_is_a_400(client, reports_world, quarter):
    client.force_login(reports_world.coordinator)
    assert client.get(export_url(reports_world, quarter)).status_code == 400


def test_the_page_offers_recent_quarters(client, reports_world):
    client.force_login(reports_world.coordinator)
    html = client.get(export_url(reports_world)).content.decode()
    assert "Q1 2026" in html and "COSSUP" in html


def test_a_coordinator_of_another_program_is_refused(client, reports_world):
    stranger = UserFactory(username="elsewhere-coordinator")
    MembershipFactory(user=stranger, agency=reports_world.outsider_agency, role=Role.COORDINATOR)
    client.force_login(stranger)
    assert client.get(export_url(reports_world, "2026-Q1")).status_code == 404


def test_only_courses_marked_as_naloxone_training_count(reports_world, naloxone):
    from reports.exports import naloxone_trained
    from reports.periods import Period

    quarter = Period.quarter(2026, 1, "America/Chicago")
    assert naloxone_trained(reports_world.program, quarter) == 3
    naloxone.teaches_naloxone = False
    naloxone.title = "Naloxone administration"  # a title alone is not enough
    naloxone.save()
    assert naloxone_trained(reports_world.program, quarter) == 0

"""Certificates of completion: a PDF per attendance, from our own templates, audited on every download."""

import subprocess
from datetime import UTC, datetime

from django.urls import reverse

from deflection.models import AuditEvent
from training.models import InstructorKind
from training.tests.factories import AttendanceFactory, CourseFactory, SessionFactory


def pdf_text(tmp_path, data: bytes) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())  # table cells wrap at different places


def test_officer_downloads_their_certificate(client, world, tmp_path):
    course = CourseFactory(program=world.program, title="Relapse & <recovery>", refresher_months=24)
    session = SessionFactory(
        course=course,
        starts_at=datetime(2025, 1, 1, 3, 0, tzinfo=UTC),  # 21:00 on 31 December in Chicago
        instructor_kind=InstructorKind.LIVED_EXPERIENCE,
        speaker_anonymous=True,
        speaker_name="",
    )
    attendance = AttendanceFactory(session=session, user=world.officer)
    client.force_login(world.officer)
    response = client.get(reverse("training:certificate", args=[attendance.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"training-certificate-{attendance.pk}.pdf" in response["Content-Disposition"]
    text = pdf_text(tmp_path, response.content)
    for expected in [
        "Certificate of completion",
        world.officer.get_full_name(),
        "Relapse & <recovery>",  # escaped in HTML, shown as typed
        "December 31, 2024",
        "A person in recovery (anonymous by choice)",
        "December 31, 2026",  # refresher due
        f"T-{attendance.pk}",
    ]:
        assert expected in text, expected
    audit = AuditEvent.objects.get(action="training.certificate.pdf")
    assert (audit.actor, audit.object_id, audit.detail) == (
        world.officer,
        str(attendance.pk),
        {"user": world.officer.pk, "session": session.pk},
    )


def test_unknown_certificate_is_404(client, world):
    client.force_login(world.officer)
    assert client.get("/training/attendance/123456/certificate.pdf").status_code == 404
    assert client.get("/training/attendance/x/certificate.pdf").status_code == 404

"""Posting highlights: uploads are PNG, JPEG or PDF by their bytes, at most 5 MB; anything else is a 400 with a message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deflection.models import AuditEvent
from feedback.models import Highlight
from feedback.uploads import MAX_UPLOAD_BYTES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _post(client, world, kind, upload=None, **extra):
    data = {"program": world.program.pk, "kind": kind, "title": "Referrals by month", "body": "", "url": ""}
    data.update(extra)
    if upload is not None:
        data["upload"] = upload
    return client.post(reverse("feedback:highlight_new"), data)


@pytest.mark.parametrize(
    ("kind", "name", "content", "file_type"),
    [("chart", "chart.png", PNG, "png"), ("chart", "photo.JPG", JPEG, "jpeg"), ("file", "report.pdf", PDF, "pdf")],
)
def test_coordinator_posts_a_real_image_or_pdf(client, world, kind, name, content, file_type):
    client.force_login(world.coordinator)
    response = _post(client, world, kind, SimpleUploadedFile(name, content, content_type="application/octet-stream"))
    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert highlight.file_type == file_type and highlight.file_size == len(content)
    assert highlight.file.name.endswith(f".{file_type}") and name not in highlight.file.name
    assert AuditEvent.objects.filter(action="feedback.highlight.post", actor=world.coordinator).exists()


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("file", "notes.docx", b"PK\x03\x04rest", "Only PNG or JPEG images and PDF documents can be posted"),
        ("file", "animation.gif", b"GIF89a" + b"\x00" * 20, "“.gif” is not one of them"),
        ("file", "report.pdf", b"MZ\x90\x00 a windows program", "named .pdf but its contents are a Windows program"),
        ("chart", "chart.png", PDF, "named .png but its contents are a PDF document"),
        ("file", "scan.jpg", b"<svg onload=alert(1)>", "named .jpg but its contents are a web page or SVG"),
        ("chart", "report.pdf", PDF, "This kind of item takes: PNG image, JPEG image."),
        ("file", "empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_wrong_type_or_disguised_extension_is_refused_with_a_clear_message(client, world, kind, name, content, message):
    client.force_login(world.coordinator)
    response = _post(client, world, kind, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Highlight.objects.exists()


def test_a_file_over_5_mb_is_refused_with_a_clear_message(client, world):
    client.force_login(world.coordinator)
    too_big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * MAX_UPLOAD_BYTES)
    response = _post(client, world, "file", too_big)
    assert response.status_code == 400
    assert "The file is 5.0 MB; the limit is 5 MB." in response.content.decode()
    assert not Highlight.objects.exists()


def test_a_link_needs_a_web_address(client, world):
    client.force_login(world.coordinator)
    assert "Give the web address." in _post(client, world, "link").content.decode()
    response = _post(client, world, "link", url="javascript:alert(1)")
    assert response.status_code == 400
    assert _post(client, world, "link", url="https://doi.org/10.1016/j.drugpo.2022.103697").status_code == 302


def test_officer_cannot_post(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("feedback:highlight_new")).status_code == 404
    assert _post(client, world, "finding", body="x").status_code == 404
    assert not Highlight.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=world.officer).count() == 2

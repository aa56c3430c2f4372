"""Posting highlights: uploads are PNG, JPEG or PDF by their bytes, at most 5 MB; anything else is a 400 with a message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deflection.models import AuditEvent
from feedback.models import Highlight
from feedback.uploads import MAX_UPLOAD_BYTES


def png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk that claim the given size (the server never decodes the pixels)."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + ihdr + b"\x00" * 4 + b"\x00" * 64


def jpeg_header(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + (16).to_bytes(2, "big") + b"JFIF\x00" + b"\x00" * 9
    sof0 = b"\xff\xc0" + (17).to_bytes(2, "big") + b"\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big") + b"\x03"
    return b"\xff\xd8" + app0 + sof0 + b"\x00" * 64


PNG = png_header(800, 600)
JPEG = jpeg_header(1200, 900)
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


@pytest.mark.parametrize("content", [png_header(30000, 30000), jpeg_header(30000, 30000)])
def test_an_image_claiming_too_many_pixels_is_refused(client, world, content):
    client.force_login(world.coordinator)
    name = "huge.png" if content.startswith(b"\x89PNG") else "huge.jpg"
    response = _post(client, world, "chart", SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert "30000 × 30000 pixels; the limit is 40 million pixels" in response.content.decode()
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

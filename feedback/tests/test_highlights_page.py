"""Officers read research and data highlights; files are served only to the program, never from a public URL."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback.models import HighlightKind
from feedback.selectors import latest_highlights
from feedback.tests.factories import HighlightFactory
from feedback.tests.test_highlight_upload import png_header

PNG = png_header(800, 600)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _with_file(world, file_type="png", content=PNG):
    highlight = HighlightFactory.build(
        program=world.program,
        created_by=world.coordinator,
        kind=HighlightKind.CHART,
        file_type=file_type,
        file_size=len(content),
        file_name=f"x.{file_type}",
    )
    highlight.file.save("upload", ContentFile(content), save=False)
    highlight.save()
    return highlight


def test_officer_sees_the_programs_highlights_only(client, world):
    HighlightFactory(program=world.program, title="Referrals up 38%")
    HighlightFactory(program=world.program, kind=HighlightKind.LINK, title="National survey", url="https://example.org/r")
    HighlightFactory(program=world.other_program, title="Elsewhere's finding")
    client.force_login(world.officer)
    page = client.get(reverse("feedback:highlights")).content.decode()
    assert "Referrals up 38%" in page and "National survey" in page and 'href="https://example.org/r"' in page
    assert "Elsewhere" not in page
    assert "Post a highlight" not in page


def test_an_image_is_served_inline_to_program_members_with_its_real_type(client, world):
    highlight = _with_file(world)
    client.force_login(world.deputy)
    response = client.get(reverse("feedback:highlight_file", args=[highlight.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("inline")


def test_a_pdf_is_downloaded_not_opened(client, world):
    highlight = _with_file(world, "pdf", b"%PDF-1.7\n")
    client.force_login(world.officer)
    response = client.get(reverse("feedback:highlight_file", args=[highlight.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_another_programs_file_is_404_and_audited(client, world):
    highlight = _with_file(world)
    client.force_login(world.outsider)
    assert client.get(reverse("feedback:highlight_file", args=[highlight.pk])).status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == world.outsider and denied.object_id == str(highlight.pk)


def test_latest_highlights_for_the_newsletter(world, django_assert_num_queries):
    now = timezone.now()
    for days in range(6):
        HighlightFactory(program=world.program, title=f"{days} days old", created_at=now - timedelta(days=days))
    HighlightFactory(program=world.other_program, title="other")
    with django_assert_num_queries(1):
        titles = [h.title for h in latest_highlights(world.program, 3)]
    assert titles == ["0 days old", "1 days old", "2 days old"]


def test_highlights_page_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for i in range(30):
        HighlightFactory(program=world.program, title=f"Item {i}")
    client.force_login(world.officer)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("feedback:highlights")).content.decode()
    assert page.count('class="card mb-3 highlight"') == 30

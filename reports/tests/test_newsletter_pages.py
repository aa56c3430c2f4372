"""Newsletter pages: the list, downloads (audited), the progress indicator's JSON, regenerating."""

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from deflection.models import AuditEvent, OutboxMessage
from reports.models import Newsletter, NewsletterStatus


@pytest.fixture
def editions(reports_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    ready = Newsletter(
        program=reports_world.program,
        kind="monthly",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        status=NewsletterStatus.READY,
        is_current=True,
    )
    ready.file.save("march.pdf", ContentFile(b"%PDF-1.4 march"), save=False)
    ready.file_size = 14
    ready.save()
    pending = Newsletter.objects.create(
        program=reports_world.program, kind="monthly", period_start=date(2026, 4, 1), period_end=date(2026, 4, 30)
    )
    return ready, pending


def test_everyone_in_the_program_lists_and_downloads_editions(client, reports_world, editions):
    ready, _pending = editions
    client.force_login(reports_world.officer)
    html = client.get(reverse("reports:newsletters", args=[reports_world.program.pk])).content.decode()
    assert "March 2026" in html and "April 2026" in html
    response = client.get(reverse("reports:newsletter_download", args=[ready.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 march"
    assert AuditEvent.objects.filter(action="newsletter.download", actor=reports_world.officer, object_id=str(ready.pk)).exists()


def test_outsiders_get_a_404(client, reports_world, editions):
    ready, _pending = editions
    client.force_login(reports_world.outsider)
    assert client.get(reverse("reports:newsletter_download", args=[ready.pk])).status_code == 404
    assert client.get(reverse("reports:newsletters", args=[reports_world.program.pk])).status_code == 404
    # A non-numeric id never matches the URL pattern (reverse() refuses it), so it is requested by path.
    assert client.get("/reports/newsletters/x/status.json").status_code == 404


def test_an_edition_still_to_build_shows_its_progress_page(client, reports_world, editions):
    _ready, pending = editions
    client.force_login(reports_world.officer)
    response = client.get(reverse("reports:newsletter_download", args=[pending.pk]))
    assert response.url == reverse("reports:newsletter_detail", args=[pending.pk])
    # Built on first download (the demo's older editions): the build is queued through the outbox.
    assert OutboxMessage.objects.filter(task_name="reports.tasks.build_newsletter", kwargs={"newsletter_id": pending.pk}).exists()
    html = client.get(response.url).content.decode()
    assert "data-newsletter-status" in html and "<progress" in html
    assert re.search(r'<script src="[^"]*reports/progress.js" nonce="[^"]+"', html)
    assert client.get(reverse("reports:newsletter_status", args=[pending.pk])).json() == {
        "status": "pending",
        "label": "Waiting to be built",
        "done": False,
        "download": "",
    }


def test_a_coordinator_regenerates_an_edition(client, reports_world, editions):
    ready, _pending = editions
    client.force_login(reports_world.officer)
    assert client.post(reverse("reports:newsletter_regenerate", args=[ready.pk])).status_code == 404
    client.force_login(reports_world.coordinator)
    response = client.post(reverse("reports:newsletter_regenerate", args=[ready.pk]))
    fresh = Newsletter.objects.get(program=reports_world.program, period_start="2026-03-01", version=2)
    assert response.url == reverse("reports:newsletter_detail", args=[fresh.pk])
    assert OutboxMessage.objects.filter(task_name="reports.tasks.build_newsletter", kwargs={"newsletter_id": fresh.pk}).exists()
    # A second click while it waits queues nothing more.
    client.post(reverse("reports:newsletter_regenerate", args=[ready.pk]))
    assert Newsletter.objects.filter(period_start="2026-03-01").count() == 2


def test_a_coordinator_builds_a_quarterly_edition(client, reports_world):
    client.force_login(reports_world.coordinator)
    response = client.post(reverse("reports:quarterly_new", args=[reports_world.program.pk]), {"quarter": "2026-Q1"})
    edition = Newsletter.objects.get(kind="quarterly")
    assert response.url == reverse("reports:newsletter_detail", args=[edition.pk])
    assert edition.period.key == "2026-Q1"
    assert (
        client.post(reverse("reports:quarterly_new", args=[reports_world.program.pk]), {"quarter": "1999-Q9"}).status_code == 400
    )

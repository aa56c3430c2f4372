"""The monthly newsletter: the beat job, the hourly dispatcher in each program's time zone, and the build."""

import subprocess
from datetime import UTC, datetime

import pytest
import time_machine

from deflection.errors import ServiceError
from deflection.suppression import Published, Rate, Reason
from deflection.tests.factories import ProgramFactory
from reports import services, tasks
from reports.models import Commendation, Newsletter, NewsletterKind, NewsletterStatus
from reports.newsletter import lead_paragraph, newsletter_content
from reports.periods import Period
from reports.tests.conftest import MARCH, NOW, PARTICIPANT_NAMES


def pdf_text(newsletter, tmp_path) -> str:
    path = tmp_path / "newsletter.pdf"
    with newsletter.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_dispatcher_waits_for_six_oclock_where_each_program_is(db):
    chicago = ProgramFactory(time_zone="America/Chicago")
    tokyo = ProgramFactory(time_zone="Asia/Tokyo")
    # 1 July 10:05 UTC: 05:05 in Chicago (too early), 19:05 in Tokyo (due).
    with time_machine.travel(datetime(2026, 7, 1, 10, 5, tzinfo=UTC), tick=False):
        assert tasks.dispatch_monthly_newsletters() == 1
    (edition,) = Newsletter.objects.all()
    assert (edition.program, edition.kind, edition.period.key, edition.status) == (tokyo, "monthly", "2026-06", "pending")
    # 11:05 UTC is 06:05 in Chicago: its June edition is due; Tokyo's already exists.
    with time_machine.travel(datetime(2026, 7, 1, 11, 5, tzinfo=UTC), tick=False):
        assert tasks.dispatch_monthly_newsletters() == 1
        assert tasks.dispatch_monthly_newsletters() == 0  # a retried or repeated run queues nothing
    assert Newsletter.objects.get(program=chicago).period.key == "2026-06"
    # 2 July in Chicago: not the 1st any more.
    with time_machine.travel(datetime(2026, 7, 2, 12, 5, tzinfo=UTC), tick=False):
        Newsletter.objects.all().delete()
        assert tasks.dispatch_monthly_newsletters() == 0


def test_building_march_gives_a_pdf_with_the_headline_figures_and_no_names(reports_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    Commendation.objects.create(
        program=reports_world.program,
        officer=reports_world.officer,
        written_by=reports_world.command,
        text="Stayed with a man in crisis until the peer coach arrived.",
        created_at=MARCH,
        include_in_newsletter=True,
    )
    edition = services.newsletter_request(
        program=reports_world.program, kind=NewsletterKind.MONTHLY, period=Period.month(2026, 3, "America/Chicago"), by=None
    )
    assert tasks.build_newsletter(edition.pk) is True
    edition.refresh_from_db()
    assert edition.status == NewsletterStatus.READY and edition.is_current
    assert edition.file_size < 1024 * 1024
    text = pdf_text(edition, tmp_path)
    assert "Newsletter: March 2026" in text
    assert "Referrals rose" in text or "Referrals fell" in text  # the lead paragraph opens the edition
    assert "54" in text  # referrals made in March
    assert "30" in text and "56%" in text  # quality referrals of March (final by June), 30 of 54
    assert "Stayed with a man in crisis" in text
    assert "What happens after you refer" in text
    for name in PARTICIPANT_NAMES:
        assert name not in text
    # No per-officer figures: officer2 (3 quality referrals of 4) is not named at all.
    assert reports_world.other_officer.last_name not in text


def test_building_twice_keeps_one_current_edition(reports_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    march = Period.month(2026, 3, "America/Chicago")
    first = services.newsletter_request(program=reports_world.program, kind="monthly", period=march, by=None)
    again = services.newsletter_request(program=reports_world.program, kind="monthly", period=march, by=None)
    assert again.pk == first.pk  # a second click while it waits queues nothing more
    assert services.newsletter_build(newsletter_id=first.pk) is True
    assert services.newsletter_build(newsletter_id=first.pk) is False  # the task delivered twice builds once
    second = services.newsletter_request(
        program=reports_world.program, kind="monthly", period=march, by=reports_world.coordinator
    )
    assert second.version == 2
    assert services.newsletter_build(newsletter_id=second.pk) is True
    current = Newsletter.objects.filter(program=reports_world.program, kind="monthly", is_current=True)
    assert list(current.values_list("version", flat=True)) == [2]
    assert Newsletter.objects.filter(program=reports_world.program).count() == 2


def test_a_build_abandoned_by_a_killed_worker_is_claimed_again_after_its_lease(reports_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    edition = services.newsletter_request(
        program=reports_world.program, kind="monthly", period=Period.month(2026, 3, "America/Chicago"), by=None
    )
    Newsletter.objects.filter(pk=edition.pk).update(status=NewsletterStatus.BUILDING, started_at=NOW)
    assert services.newsletter_build(newsletter_id=edition.pk) is False  # another worker is on it
    with time_machine.travel(NOW + services.BUILD_LEASE * 2, tick=False):
        assert services.newsletter_build(newsletter_id=edition.pk) is True
    edition.refresh_from_db()
    assert edition.status == NewsletterStatus.READY


def test_a_monthly_edition_must_cover_a_month(reports_world):
    with pytest.raises(ServiceError):
        services.newsletter_request(
            program=reports_world.program, kind="monthly", period=Period.quarter(2026, 1, "America/Chicago"), by=None
        )


def test_the_newsletter_opens_with_a_lead_written_from_its_figures(reports_world):
    content = newsletter_content(program=reports_world.program, period=Period.month(2026, 3, "America/Chicago"), now=NOW)
    referrals = next(t for t in content.tiles if t.label == "Referrals")
    assert referrals.value == "54" and referrals.change
    moved = "rose" if referrals.change.startswith("+") else "fell"
    assert content.lead.startswith(
        f"Referrals {moved} {referrals.change.strip('+-')} to 54 in March 2026, from {referrals.previous} the period before."
    )
    assert "Of the referrals made in March 2026, 30 (56%) were quality referrals" in content.lead


def test_the_lead_never_puts_a_hidden_figure_into_words():
    march, february = Period.month(2026, 3, "UTC"), Period.month(2026, 2, "UTC")
    hidden = Published.hidden(Reason.COMPLEMENTARY, 11)
    lead = lead_paragraph(
        period=march,
        referrals=Published(103, 11),
        before=Published(96, 11),
        outcome_period=february,
        quality=hidden,
        quality_share=Rate(None, 11, Reason.HIDDEN_PART),
        hours=0.4,
    )
    assert lead == "Referrals rose 7% to 103 in March 2026, from 96 the period before."
    lead = lead_paragraph(
        period=march,
        referrals=hidden,
        before=Published(96, 11),
        outcome_period=february,
        quality=Published(0, 11),
        quality_share=Rate(None, 11, Reason.SMALL_DENOMINATOR),
        hours=12.0,
    )
    assert "103" not in lead and "96" not in lead and "Referrals" not in lead
    assert lead.startswith("Of the referrals made in February 2026, 0 were quality referrals")

"""The demo's reports: commendations, a newsletter for every past month, one quarterly edition sent."""

from demo import reports as demo
from reports.models import Commendation, Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from reports.tests.test_newsletter_build import pdf_text


def test_the_demo_has_newsletters_commendations_and_a_sent_quarterly_edition(reports_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    summary = demo.seed(reports_world.program)
    monthly = Newsletter.objects.filter(program=reports_world.program, kind="monthly").order_by("period_start")
    # February (the first referral) to May 2026 (the last complete month on 15 June).
    assert [n.period.key for n in monthly] == ["2026-02", "2026-03", "2026-04", "2026-05"]
    # Every past edition is built, and each recognises the commendations chosen from its month.
    assert [n.status for n in monthly] == ["ready"] * 4
    for edition in monthly:
        chosen = Commendation.objects.filter(
            program=reports_world.program,
            include_in_newsletter=True,
            created_at__gte=edition.period.start,
            created_at__lt=edition.period.end,
        )
        assert chosen.exists(), edition.period.key
        text = " ".join(pdf_text(edition, tmp_path).split())
        for commendation in chosen:
            assert " ".join(commendation.text.split())[:40] in text, edition.period.key
        assert "No commendations were chosen" not in text
    quarterly = Newsletter.objects.get(program=reports_world.program, kind="quarterly")
    assert quarterly.period.key == "2026-Q1" and quarterly.status == NewsletterStatus.READY and quarterly.is_current
    deliveries = Delivery.objects.filter(newsletter=quarterly)
    assert deliveries.exists() and not deliveries.exclude(status=DeliveryStatus.SENT).exists()
    assert Commendation.objects.filter(written_by=reports_world.command).exists()
    assert Commendation.objects.filter(include_in_newsletter=True).exists()
    assert "monthly newsletters" in summary
    assert demo.seed(reports_world.program).endswith("already present")  # safe to run twice
    assert Newsletter.objects.count() == 5

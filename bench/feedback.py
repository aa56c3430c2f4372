"""Feedback figures on the demo program: suggestions page, survey results page, newsletter selectors, and the
officer's outcome feed (the demo officer has the most referrals: about 200 looked at, consents, history, messages,
letters and the suppressed aggregate) and the coordinator's letter queue."""

import statistics
import time
from datetime import timedelta

from django.test import Client
from django.utils import timezone


def _median_ms(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def run() -> dict[str, tuple[float, str]]:
    from deflection.models import Program
    from feedback.models import Survey
    from feedback.selectors import approved_newsletter_letters, latest_highlights, you_said_we_did

    officer = Client(HTTP_HOST="127.0.0.1")
    assert officer.login(username="officer", password="Deflect-Demo-2026")
    assert officer.get("/feedback/suggestions/").status_code == 200
    coordinator = Client(HTTP_HOST="127.0.0.1")
    assert coordinator.login(username="coordinator", password="Deflect-Demo-2026")
    survey = Survey.objects.filter(closes_at__lte=timezone.now()).order_by("-closes_at").first()
    results_url = f"/feedback/surveys/{survey.pk}/results/"
    assert coordinator.get(results_url).status_code == 200
    program = Program.objects.get(pk=survey.program_id)
    today = timezone.localdate()

    def newsletter_feeds():
        list(you_said_we_did(program, today - timedelta(days=365), today + timedelta(days=1)))
        list(latest_highlights(program, 3))
        approved_newsletter_letters(program, today - timedelta(days=365), today + timedelta(days=1))

    assert officer.get("/feedback/feed/").status_code == 200
    assert coordinator.get("/feedback/letters/").status_code == 200

    return {
        "feedback_suggestions_page_p50_ms": (_median_ms(lambda: officer.get("/feedback/suggestions/"), 30), "ms"),
        "feedback_survey_results_p50_ms": (_median_ms(lambda: coordinator.get(results_url), 30), "ms"),
        "feedback_triage_page_p50_ms": (
            _median_ms(lambda: coordinator.get("/feedback/suggestions/triage/?status=all"), 30),
            "ms",
        ),
        "feedback_newsletter_selectors_p50_ms": (_median_ms(newsletter_feeds, 50), "ms"),
        "feedback_outcome_feed_p50_ms": (_median_ms(lambda: officer.get("/feedback/feed/"), 30), "ms"),
        "feedback_letter_queue_p50_ms": (_median_ms(lambda: coordinator.get("/feedback/letters/"), 30), "ms"),
    }

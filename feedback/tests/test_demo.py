"""feedback.demo.seed: a year of suggestions, two closed surveys and an open one, highlights; quick and idempotent."""

import time

from django.utils import timezone

from deflection import demo as foundation
from feedback import demo
from feedback.models import Highlight, Suggestion, SuggestionStatus, Survey, SurveyResponse
from feedback.selectors import survey_results


def test_seed_is_idempotent_fast_and_covers_every_status(db):
    program = foundation.seed_foundation()
    started = time.monotonic()
    summary = demo.seed(program)
    assert time.monotonic() - started < 5
    assert "suggestions" in summary
    counts = (Suggestion.objects.count(), Survey.objects.count(), SurveyResponse.objects.count(), Highlight.objects.count())
    demo.seed(program)
    assert counts == (
        Suggestion.objects.count(), Survey.objects.count(), SurveyResponse.objects.count(), Highlight.objects.count()
    )

    assert set(Suggestion.objects.values_list("status", flat=True)) == set(SuggestionStatus.values)
    oldest = Suggestion.objects.order_by("submitted_on").first().submitted_on
    assert (timezone.localdate() - oldest).days > 300
    assert Suggestion.objects.filter(author=None).exists() and Suggestion.objects.filter(author__username="officer").exists()
    for suggestion in Suggestion.objects.filter(status__in=SuggestionStatus.decisions()):
        assert suggestion.response and suggestion.responded_at


def test_demo_surveys_show_results_with_one_question_visibly_suppressed(db):
    program = foundation.seed_foundation()
    demo.seed(program)
    now = timezone.now()
    closed = list(Survey.objects.filter(closes_at__lte=now))
    assert len(closed) == 2
    assert Survey.objects.filter(opens_at__lte=now, closes_at__gt=now).count() == 1
    for survey in closed:
        results = survey_results(survey)
        shown = [q for q in results.questions if not q.suppressed]
        hidden = [q for q in results.questions if q.suppressed]
        assert len(shown) >= 3 and len(hidden) == 1
        assert results.respondents >= program.suppression_threshold
        # The role breakdown has groups too small to show.
        assert any(group.suppressed for q in shown for group in q.by_role + q.by_agency)
    assert Highlight.objects.filter(kind="link").exists() and Highlight.objects.filter(kind="finding").exists()

"""demo.feedback.seed: a year of suggestions, two closed surveys and an open one, highlights; quick and idempotent."""

import time

from django.utils import timezone

from demo import feedback as demo
from demo import foundation
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
        Suggestion.objects.count(),
        Survey.objects.count(),
        SurveyResponse.objects.count(),
        Highlight.objects.count(),
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


def test_seed_adds_letters_at_every_state_messages_and_past_digests_once(db):
    import datetime

    from deflection.models import Role, User
    from feedback import services
    from feedback.models import CaseManagerMessage, LetterStatus, ParticipantLetter, WeeklyDigest
    from referrals.models import Status, StatusChange
    from referrals.tests.factories import ConsentFactory, ReferralFactory

    program = foundation.seed_foundation()
    officer = User.objects.get(username="officer")
    case_manager = User.objects.get(username="casemanager")
    provider = case_manager.memberships.get(role=Role.CASE_MANAGER).agency
    now = timezone.now()
    for i in range(8):
        referral = ReferralFactory(
            program=program,
            officer=officer,
            agency=program.lead_agency,
            provider=provider,
            created_at=now - datetime.timedelta(days=30 * i + 20),
        )
        ConsentFactory(
            participant=referral.participant, recipient_officer=officer, disclosing_agency=provider, witnessed_by=case_manager
        )
        StatusChange.objects.create(
            referral=referral, status=Status.ENGAGED, by=case_manager, at=now - datetime.timedelta(days=7 * (i + 1) + 1)
        )
    summary = demo.seed(program)
    assert "7 letters, 3 messages" in summary
    counts = (ParticipantLetter.objects.count(), CaseManagerMessage.objects.count(), WeeklyDigest.objects.count())
    demo.seed(program)
    assert counts == (ParticipantLetter.objects.count(), CaseManagerMessage.objects.count(), WeeklyDigest.objects.count())

    assert set(ParticipantLetter.objects.values_list("status", flat=True)) == set(LetterStatus.values)
    assert ParticipantLetter.objects.filter(include_in_newsletter=True).count() == 3
    assert ParticipantLetter.objects.filter(scan_type="png", scan__isnull=False).exists()
    redacted = ParticipantLetter.objects.get(status=LetterStatus.REDACTED)
    assert "Garcia" in redacted.original_text and "Garcia" not in redacted.published_text
    assert all(m.officer == officer for m in CaseManagerMessage.objects.all())
    digests = WeeklyDigest.objects.all()
    assert digests.exists() and all(d.status == "sent" and d.updates + d.messages + d.letters for d in digests)
    # The latest due week is left for celery beat, so a fresh `make run` shows one digest email per officer.
    due_week = services.digest_week(program, now)[0]
    assert not digests.filter(week_start__gte=due_week).exists()

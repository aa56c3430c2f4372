"""Every feedback page renders under the site's CSP: no style attributes, no inline scripts, scripts carry the nonce."""

import re
import uuid

import pytest
from django.urls import reverse

from deflection.models import Role
from feedback import services
from feedback.tests.factories import (
    AnsweredSuggestionFactory,
    HighlightFactory,
    ParticipantLetterFactory,
    SurveyFactory,
    approve_letter,
    fill_survey,
)

SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


@pytest.fixture
def pages(world, crowd, referral, consent_for):
    suggestion = AnsweredSuggestionFactory(program=world.program, author=world.officer)
    survey = SurveyFactory(program=world.program)
    fill_survey(survey, crowd(world.police, Role.OFFICER, 12))
    HighlightFactory(program=world.program)
    consent_for(referral, "active", "referring officer")
    message = services.message_send(
        referral=referral, sender=world.case_manager, text="Doing well.", idempotency_key=uuid.uuid4()
    )
    letter = approve_letter(ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager), world.coordinator)
    return [
        (world.officer, reverse("feedback:feed")),
        (world.officer, reverse("feedback:message", args=[message.pk])),
        (world.officer, reverse("feedback:letter", args=[letter.pk])),
        (world.case_manager, reverse("feedback:message_new", args=[referral.pk])),
        (world.case_manager, reverse("feedback:letter_new", args=[referral.pk])),
        (world.case_manager, reverse("feedback:letters")),
        (world.case_manager, reverse("feedback:letter_review", args=[letter.pk])),
        (world.coordinator, reverse("feedback:letters")),
        (world.coordinator, reverse("feedback:letter_review", args=[letter.pk])),
        (world.officer, reverse("feedback:suggestions")),
        (world.officer, reverse("feedback:suggestion_new")),
        (world.officer, reverse("feedback:suggestion_detail", args=[suggestion.pk])),
        (world.officer, reverse("feedback:surveys")),
        (world.officer, reverse("feedback:survey_answer", args=[survey.pk])),
        (world.officer, reverse("feedback:highlights")),
        (world.coordinator, reverse("feedback:triage")),
        (world.coordinator, reverse("feedback:suggestion_detail", args=[suggestion.pk])),
        (world.coordinator, reverse("feedback:survey_new")),
        (world.coordinator, reverse("feedback:survey_results", args=[survey.pk])),
        (world.coordinator, reverse("feedback:highlight_new")),
    ]


def test_pages_need_no_unsafe_inline(client, pages):
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert " style=" not in html, url
        for tag in SCRIPT.findall(html):
            assert " src=" in tag and " nonce=" in tag, (url, tag)

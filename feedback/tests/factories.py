"""factory_boy factories for the feedback app, plus a helper that fills a survey with answers."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from deflection.models import Role
from deflection.tests.factories import ProgramFactory, UserFactory
from feedback.models import (
    CaseManagerMessage,
    Highlight,
    HighlightKind,
    LetterPermission,
    LetterStatus,
    ParticipantLetter,
    QuestionKind,
    Suggestion,
    SuggestionStatus,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)


class SuggestionFactory(DjangoModelFactory):
    class Meta:
        model = Suggestion

    program = factory.SubFactory(ProgramFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Suggestion number {n}: make referrals easier.")
    submitted_on = factory.LazyFunction(timezone.localdate)
    status = SuggestionStatus.NEW


class AnsweredSuggestionFactory(SuggestionFactory):
    status = SuggestionStatus.ADOPTED
    response = factory.Sequence(lambda n: f"We did it ({n}).")
    responded_at = factory.LazyFunction(timezone.now)


class SurveyFactory(DjangoModelFactory):
    """An open, anonymous survey with one scale and one open question, addressed to officers and supervisors."""

    class Meta:
        model = Survey
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Survey {n}")
    anonymous = True
    audience_roles = factory.LazyFunction(lambda: [Role.OFFICER, Role.SUPERVISOR, Role.DISPATCHER])
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=13))
    reminders_enqueued_at = None
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def agencies(obj, create, extracted, **kwargs):
        if create:
            obj.audience_agencies.set(extracted if extracted is not None else [obj.program.lead_agency])

    @factory.post_generation
    def questions(obj, create, extracted, **kwargs):
        if create:
            specs = extracted or [
                (QuestionKind.SCALE, "How easy is a referral?"),
                (QuestionKind.OPEN, "How would you improve the process?"),
            ]
            for position, (kind, text) in enumerate(specs, 1):
                SurveyQuestion.objects.create(survey=obj, position=position, kind=kind, text=text)


class HighlightFactory(DjangoModelFactory):
    class Meta:
        model = Highlight

    program = factory.SubFactory(ProgramFactory)
    kind = HighlightKind.FINDING
    title = factory.Sequence(lambda n: f"Finding {n}")
    body = "Referrals rose this quarter."
    created_by = factory.SubFactory(UserFactory)


def fill_survey(survey, people, *, scale=4, text="More training", questions=None):
    """Answer `survey` as each (user, membership) in `people`, straight to the tables (no service, no audit)."""
    questions = questions if questions is not None else list(survey.questions.all())
    for user, membership in people:
        SurveyParticipation.objects.create(survey=survey, user=user)
        response = SurveyResponse.objects.create(
            survey=survey,
            respondent=None if survey.anonymous else user,
            respondent_role=membership.role,
            respondent_agency=membership.agency,
        )
        for question in questions:
            if question.kind == QuestionKind.SCALE:
                SurveyAnswer.objects.create(response=response, question=question, scale_value=scale)
            else:
                SurveyAnswer.objects.create(response=response, question=question, text=text)


class CaseManagerMessageFactory(DjangoModelFactory):
    """A message as `message_send` stores it; pass `referral`, `sender` and `consent`."""

    class Meta:
        model = CaseManagerMessage

    officer = factory.SelfAttribute("referral.officer")
    text = "Thank you. She is in residential treatment and doing well."
    idempotency_key = factory.LazyFunction(uuid.uuid4)


class ParticipantLetterFactory(DjangoModelFactory):
    """A typed letter for `referral`, pending review; pass `recorded_by`."""

    class Meta:
        model = ParticipantLetter

    referral = None
    program = factory.SelfAttribute("referral.program")
    provider = factory.SelfAttribute("referral.provider")
    permission = LetterPermission.BOTH
    original_text = "Officer, thank you for not giving up on me. I am 60 days sober at Harbor Light."
    status = LetterStatus.PENDING


def approve_letter(letter, coordinator, *, published_text=None, status=LetterStatus.APPROVED, newsletter=False):
    """Mark a letter reviewed straight in the table (the review service has its own tests)."""
    letter.status = status
    letter.published_text = letter.original_text if published_text is None else published_text
    letter.reviewed_by = coordinator
    letter.reviewed_at = timezone.now()
    letter.include_in_newsletter = newsletter
    letter.save(update_fields=["status", "published_text", "reviewed_by", "reviewed_at", "include_in_newsletter"])
    return letter

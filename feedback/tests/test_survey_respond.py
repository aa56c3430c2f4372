"""survey_respond: one response per person; an anonymous response holds no author, no time and no audit link."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from deflection.errors import ServiceError
from deflection.models import AuditEvent
from feedback import services
from feedback.models import AnonymousSubmission, Survey, SurveyAnswer, SurveyParticipation, SurveyResponse
from feedback.tests.factories import SurveyFactory


def _answers(survey, scale=4, text="Faster call-backs"):
    scale_q, open_q = survey.questions.order_by("position")
    return {scale_q.pk: scale, open_q.pk: text}


def _close_and_publish(survey):
    """The survey closes and the beat job publishes its anonymous answers."""
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    services.anonymous_submissions_publish()


def test_anonymous_answers_wait_unreadable_until_the_survey_closes(world):
    survey = SurveyFactory(program=world.program, anonymous=True)
    services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey))
    assert not SurveyResponse.objects.exists()
    pending = AnonymousSubmission.objects.get()
    assert (pending.survey, pending.day) == (survey, None)
    # Still open: publishing leaves it waiting.
    assert services.anonymous_submissions_publish() == 0
    _close_and_publish(survey)
    assert not AnonymousSubmission.objects.exists()
    assert SurveyResponse.objects.get().answers.count() == 2


def test_anonymous_answer_stores_no_author_and_no_audit_record_ties_it_to_its_writer(world):
    survey = SurveyFactory(program=world.program, anonymous=True)
    services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey))
    _close_and_publish(survey)

    response = SurveyResponse.objects.get()
    assert response.respondent is None
    # No time of any kind on the response or its answers, and random keys rather than a sequence.
    for model in (SurveyResponse, SurveyAnswer):
        names = {f.name for f in model._meta.concrete_fields}
        assert not any(f.get_internal_type() in {"DateTimeField", "DateField"} for f in model._meta.concrete_fields), names
        assert model._meta.pk.get_internal_type() == "UUIDField"
    # The participation row says who answered, and shares no key with the response.
    participation = SurveyParticipation.objects.get()
    assert participation.user == world.officer
    assert not any(f.related_model is SurveyResponse for f in SurveyParticipation._meta.concrete_fields)
    # The audit record says that the officer answered the survey, not which response is theirs.
    event = AuditEvent.objects.get(action="feedback.survey.respond")
    assert event.actor == world.officer and event.object_id == str(survey.pk)
    assert event.detail == {}
    answer_ids = {str(pk) for pk in SurveyAnswer.objects.values_list("pk", flat=True)}
    for event in AuditEvent.objects.all():
        assert str(response.pk) not in str(event.detail) and event.object_id != str(response.pk)
        assert not answer_ids & {event.object_id}


def test_named_survey_keeps_the_respondent(world):
    survey = SurveyFactory(program=world.program, anonymous=False)
    services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey))
    response = SurveyResponse.objects.get()
    assert response.respondent == world.officer
    assert AuditEvent.objects.get(action="feedback.survey.respond").detail == {"response": str(response.pk)}


def test_the_response_is_counted_under_the_respondents_role_and_agency(world):
    survey = SurveyFactory(program=world.program, agencies=[world.police, world.sheriff])
    services.survey_respond(survey=survey, user=world.deputy, answers=_answers(survey))
    _close_and_publish(survey)
    response = SurveyResponse.objects.get()
    assert (response.respondent_role, response.respondent_agency) == ("officer", world.sheriff)


@pytest.mark.parametrize("anonymous", [True, False])
def test_second_attempt_is_refused_and_stores_nothing_more(world, anonymous):
    survey = SurveyFactory(program=world.program, anonymous=anonymous)
    services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey))
    with pytest.raises(ServiceError, match="already answered") as refused:
        services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey, scale=1))
    assert refused.value.code == services.ALREADY_RESPONDED and refused.value.status == 409
    _close_and_publish(survey)
    assert SurveyResponse.objects.count() == 1
    assert SurveyParticipation.objects.count() == 1
    assert set(SurveyAnswer.objects.values_list("scale_value", flat=True)) == {4, None}


def test_a_race_past_the_first_check_is_still_one_response(world, monkeypatch):
    """Two taps that both pass the existence check: the unique constraint stops the second."""
    survey = SurveyFactory(program=world.program)
    services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey))
    real_filter = SurveyParticipation.objects.filter

    class NoneFound:
        def exists(self):
            return False

    monkeypatch.setattr(SurveyParticipation.objects, "filter", lambda *a, **k: NoneFound())
    with pytest.raises(ServiceError) as refused:
        services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey))
    assert refused.value.code == services.ALREADY_RESPONDED
    monkeypatch.setattr(SurveyParticipation.objects, "filter", real_filter)
    # The losing attempt's waiting answers were removed with it.
    _close_and_publish(survey)
    assert SurveyResponse.objects.count() == 1


def test_closed_and_unopened_surveys_are_refused(world):
    closed = SurveyFactory(
        program=world.program, opens_at=timezone.now() - timedelta(days=10), closes_at=timezone.now() - timedelta(days=1)
    )
    later = SurveyFactory(
        program=world.program, opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=5)
    )
    with pytest.raises(ServiceError, match="closed"):
        services.survey_respond(survey=closed, user=world.officer, answers=_answers(closed))
    with pytest.raises(ServiceError, match="not open yet"):
        services.survey_respond(survey=later, user=world.officer, answers=_answers(later))
    assert not SurveyResponse.objects.exists()


def test_people_outside_the_audience_cannot_answer(world):
    survey = SurveyFactory(program=world.program)  # officers, supervisors, dispatchers of the police department
    for person in (world.case_manager, world.deputy, world.command, world.outsider):
        with pytest.raises(PermissionDenied):
            services.survey_respond(survey=survey, user=person, answers=_answers(survey))


@pytest.mark.parametrize(
    ("scale", "text", "message"),
    [(9, "", "choose a number from 1 to 5"), ("", "", "Answer at least one question"), (None, "x" * 1001, "under 1000")],
)
def test_bad_answers_are_refused_with_a_message(world, scale, text, message):
    survey = SurveyFactory(program=world.program)
    with pytest.raises(ServiceError, match=message):
        services.survey_respond(survey=survey, user=world.officer, answers=_answers(survey, scale=scale, text=text))
    assert not SurveyParticipation.objects.exists()

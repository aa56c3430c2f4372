"""The survey pages for respondents: answer once (a second try is a 409 with a message), and the list."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback.models import AnonymousSubmission, SurveyParticipation, SurveyResponse
from feedback.tests.factories import SurveyFactory


def _post(survey, scale="4", text="Weekend case managers"):
    scale_q, open_q = survey.questions.order_by("position")
    return {f"q{scale_q.pk}": scale, f"q{open_q.pk}": text}


def test_officer_answers_once_and_a_second_try_is_refused_with_a_clear_message(client, world):
    survey = SurveyFactory(program=world.program)
    client.force_login(world.officer)
    url = reverse("feedback:survey_answer", args=[survey.pk])
    assert client.get(url).status_code == 200
    first = client.post(url, _post(survey))
    assert first.status_code == 302
    second = client.post(url, _post(survey, scale="1"))
    assert second.status_code == 409
    assert "You have already answered this survey. Each person answers once." in second.content.decode()
    # One set of answers, waiting for the survey to close (an anonymous survey's answers are published then).
    assert AnonymousSubmission.objects.count() == 1 and not SurveyResponse.objects.exists()
    # Coming back to the page just says so.
    again = client.get(url)
    assert again.status_code == 200 and "You have answered this survey" in again.content.decode()


def test_answering_nothing_is_a_400_with_a_message(client, world):
    survey = SurveyFactory(program=world.program)
    client.force_login(world.officer)
    response = client.post(reverse("feedback:survey_answer", args=[survey.pk]), _post(survey, scale="", text=""))
    assert response.status_code == 400
    assert "Answer at least one question." in response.content.decode()
    assert not SurveyParticipation.objects.exists()


def test_an_out_of_range_scale_value_is_a_400_not_a_500(client, world):
    survey = SurveyFactory(program=world.program)
    client.force_login(world.officer)
    response = client.post(reverse("feedback:survey_answer", args=[survey.pk]), _post(survey, scale="7"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_closed_survey_refuses_answers_with_409(client, world):
    survey = SurveyFactory(
        program=world.program, opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(world.officer)
    url = reverse("feedback:survey_answer", args=[survey.pk])
    assert "This survey has closed." in client.get(url).content.decode()
    response = client.post(url, _post(survey))
    assert response.status_code == 409
    assert not SurveyResponse.objects.exists()


def test_a_survey_not_addressed_to_you_is_404_and_audited(client, world):
    survey = SurveyFactory(program=world.other_program, agencies=[world.outsider_agency])
    client.force_login(world.officer)
    assert client.get(reverse("feedback:survey_answer", args=[survey.pk])).status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == world.officer and denied.object_id == str(survey.pk)


def test_survey_list_shows_open_surveys_with_answered_flags_in_constant_queries(client, world, django_assert_max_num_queries):
    surveys = [SurveyFactory(program=world.program) for _ in range(25)]
    for survey in surveys[:10]:
        SurveyParticipation.objects.create(survey=survey, user=world.officer)
    SurveyFactory(program=world.program, opens_at=timezone.now() + timedelta(days=2))  # scheduled: not listed
    client.force_login(world.officer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("feedback:surveys")).content.decode()
    assert page.count("Answered</span>") == 10
    assert page.count(">Answer (") == 15

"""Survey results: counts and texts for coordinators and command staff, with every small group suppressed."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent, Role
from feedback import services
from feedback.models import QuestionKind, Survey
from feedback.selectors import suppressed_groups, survey_results
from feedback.tests.factories import SurveyFactory, fill_survey


def _closed_survey(world, **kwargs):
    kwargs.setdefault("agencies", [world.police, world.sheriff])
    return SurveyFactory(
        program=world.program,
        opens_at=timezone.now() - timedelta(days=20),
        closes_at=timezone.now() - timedelta(days=1),
        **kwargs,
    )


def test_a_question_fewer_than_the_threshold_answered_is_suppressed(world, crowd):
    survey = _closed_survey(
        world,
        questions=[(QuestionKind.SCALE, "Ease"), (QuestionKind.OPEN, "Improve"), (QuestionKind.OPEN, "Anything else")],
    )
    ease, improve, anything = survey.questions.order_by("position")
    people = crowd(world.police, Role.OFFICER, 12)
    fill_survey(survey, people, questions=[ease, improve])
    fill_survey(survey, crowd(world.sheriff, Role.OFFICER, 10), questions=[anything], text="A secret only I would write")
    results = survey_results(survey)
    by_text = {q.question.text: q for q in results.questions}
    assert not by_text["Ease"].suppressed and by_text["Ease"].respondents == 12
    assert by_text["Ease"].counts == [(1, 0), (2, 0), (3, 0), (4, 12), (5, 0)]
    assert by_text["Improve"].texts == [("More training", 12)]
    hidden = by_text["Anything else"]
    assert hidden.suppressed
    # Nothing reaches the template for a suppressed question: no count, no text.
    assert hidden.respondents is None and hidden.texts == [] and hidden.counts == []


def test_small_breakdown_groups_are_suppressed_and_cannot_be_worked_out_from_the_total(world, crowd):
    survey = _closed_survey(world, questions=[(QuestionKind.SCALE, "Ease")])
    fill_survey(survey, crowd(world.police, Role.OFFICER, 15), scale=5)
    fill_survey(survey, crowd(world.police, Role.SUPERVISOR, 12), scale=2)
    fill_survey(survey, crowd(world.police, Role.DISPATCHER, 3), scale=1)
    fill_survey(survey, crowd(world.sheriff, Role.OFFICER, 14), scale=4)
    question = survey_results(survey).questions[0]
    assert question.respondents == 44
    roles = {g.label: g for g in question.by_role}
    # Dispatchers (3) are below 11. Hiding them alone would leave 44 - 15 - 12 = 3, so the
    # next smallest group (supervisors) is hidden with them.
    assert roles["Dispatcher"].suppressed and roles["Dispatcher"].mean is None
    assert roles["Supervisor"].suppressed
    assert roles["Officer"].respondents == 29
    agencies = {g.label: g for g in question.by_agency}
    assert agencies["Riverside PD"].respondents == 30 and agencies["County Sheriff"].respondents == 14


def test_suppression_rule():
    assert suppressed_groups({"a": 20, "b": 15}, 11) == set()
    assert suppressed_groups({"a": 20, "b": 15, "c": 3}, 11) == {"b", "c"}
    assert suppressed_groups({"a": 20, "b": 12, "c": 5, "d": 6}, 11) == {"c", "d"}
    assert suppressed_groups({"a": 20, "b": 1, "c": 1}, 11) == {"a", "b", "c"}
    assert suppressed_groups({"a": 5}, 11) == {"a"}


def test_a_stricter_program_threshold_applies(world, crowd):
    world.program.suppression_threshold = 20
    world.program.save(update_fields=["suppression_threshold"])
    survey = _closed_survey(world, questions=[(QuestionKind.SCALE, "Ease")])
    fill_survey(survey, crowd(world.police, Role.OFFICER, 15))
    results = survey_results(survey)
    assert results.questions[0].suppressed and results.respondents is None


def test_results_are_published_only_once_the_survey_closes(world, crowd):
    survey = SurveyFactory(program=world.program)
    fill_survey(survey, crowd(world.police, Role.OFFICER, 12))
    results = survey_results(survey)
    assert not results.published and results.questions == []
    assert results.respondents == 12


def test_results_page_shows_suppression_to_command_staff(client, world, crowd):
    survey = _closed_survey(world, questions=[(QuestionKind.SCALE, "Ease"), (QuestionKind.OPEN, "Improve")])
    fill_survey(survey, crowd(world.police, Role.OFFICER, 12), text="Shorter checklist")
    fill_survey(survey, crowd(world.police, Role.DISPATCHER, 2), text="Only two dispatchers wrote this")
    client.force_login(world.command)
    page = client.get(reverse("feedback:survey_results", args=[survey.pk])).content.decode()
    assert "14 people answered." in page
    assert "Shorter checklist" in page
    # Dispatchers (2) are too few, and hiding them alone would give them away as 14 - 12: no role is shown.
    assert "too few people in each role" in page
    assert "<td>Dispatcher</td>" not in page
    # Open answers are listed for the whole question, never broken down by group.
    assert "Only two dispatchers wrote this <span" in page and "×2" in page


def test_a_closed_survey_shows_results_only_once_its_anonymous_answers_are_published(client, world, crowd):
    survey = SurveyFactory(program=world.program, questions=[(QuestionKind.SCALE, "Ease")])
    for user, _membership in crowd(world.police, Role.OFFICER, 11):
        services.survey_respond(survey=survey, user=user, answers={survey.questions.get().pk: 5})
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.force_login(world.coordinator)
    url = reverse("feedback:survey_results", args=[survey.pk])
    page = client.get(url).content.decode()
    assert "11 people answered." in page and "being counted together, in random order" in page
    assert "average" not in page
    services.anonymous_submissions_publish()
    page = client.get(url).content.decode()
    assert "being counted" not in page and "11 answers · average 5.0 of 5" in page
    # Who read the answers is recorded, each time.
    reads = AuditEvent.objects.filter(action="feedback.survey.results_view", actor=world.coordinator)
    assert reads.count() == 2 and {e.object_id for e in reads} == {str(survey.pk)}


def test_officers_and_other_programs_cannot_see_results(client, world):
    survey = _closed_survey(world)
    for person in (world.officer, world.supervisor, world.case_manager):
        client.force_login(person)
        assert client.get(reverse("feedback:survey_results", args=[survey.pk])).status_code == 404
    foreign = SurveyFactory(program=world.other_program, agencies=[world.outsider_agency])
    client.force_login(world.coordinator)
    assert client.get(reverse("feedback:survey_results", args=[foreign.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="feedback.survey").count() == 4


def test_results_page_query_count_does_not_grow_with_respondents(client, world, crowd, django_assert_max_num_queries):
    survey = _closed_survey(world, questions=[(QuestionKind.SCALE, "A"), (QuestionKind.SCALE, "B"), (QuestionKind.OPEN, "C")])
    fill_survey(survey, crowd(world.police, Role.OFFICER, 40))
    fill_survey(survey, crowd(world.sheriff, Role.OFFICER, 20))
    client.force_login(world.coordinator)
    # 16: the page's fixed queries, one of them whether anonymous answers still wait for their batch, and
    # three for the record of who read the results (a savepoint around its INSERT).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("feedback:survey_results", args=[survey.pk]))
    assert "60 people answered." in response.content.decode()

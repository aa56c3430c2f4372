"""The suggestions page: your own suggestions, and every answered one in your programs ("you said, we did")."""

import uuid

from django.urls import reverse

from deflection.models import AuditEvent
from feedback.tests.factories import AnsweredSuggestionFactory, SuggestionFactory


def test_officer_sees_own_suggestions_and_every_answered_one(client, world):
    SuggestionFactory(program=world.program, author=world.officer, text="My pending idea")
    AnsweredSuggestionFactory(program=world.program, author=None, text="Anonymous answered idea", response="We did it.")
    SuggestionFactory(program=world.program, author=world.other_officer, text="Colleague's unanswered idea")
    AnsweredSuggestionFactory(program=world.other_program, text="Another program's idea")
    client.force_login(world.officer)
    page = client.get(reverse("feedback:suggestions")).content.decode()
    assert "My pending idea" in page and "Not answered yet." in page
    assert "Anonymous answered idea" in page and "We did it." in page
    # An unanswered suggestion is between its writer and the coordinator until it is answered.
    assert "Colleague&#x27;s unanswered idea" not in page and "Colleague's unanswered idea" not in page
    assert "Another program" not in page


def test_case_manager_sees_the_answers_but_no_write_button(client, world):
    AnsweredSuggestionFactory(program=world.program, author=None, text="Answered idea")
    client.force_login(world.case_manager)
    page = client.get(reverse("feedback:suggestions")).content.decode()
    assert "Answered idea" in page
    assert "Write a suggestion" not in page


def test_another_programs_suggestion_is_404_and_audited(client, world):
    foreign = AnsweredSuggestionFactory(program=world.other_program)
    client.force_login(world.officer)
    response = client.get(reverse("feedback:suggestion_detail", args=[foreign.pk]))
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == world.officer
    assert denied.object_type == "feedback.suggestion"
    assert denied.object_id == str(foreign.pk)


def test_a_colleagues_unanswered_suggestion_is_404(client, world):
    pending = SuggestionFactory(program=world.program, author=world.other_officer)
    client.force_login(world.officer)
    assert client.get(reverse("feedback:suggestion_detail", args=[pending.pk])).status_code == 404


def test_malformed_and_unknown_ids_are_404_not_500(client, world):
    client.force_login(world.officer)
    assert client.get("/feedback/suggestions/1%27%20or%201=1/").status_code == 404
    assert client.get(reverse("feedback:suggestion_detail", args=[uuid.uuid4()])).status_code == 404
    # The malformed id is refused by the URL pattern (a uuid converter) before any view runs; the
    # guessed uuid reaches the access helper and leaves the audit record.
    assert AuditEvent.objects.filter(action="access.denied").count() == 1


def test_suggestions_page_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for _ in range(30):
        AnsweredSuggestionFactory(program=world.program, author=None)
    for _ in range(15):
        SuggestionFactory(program=world.program, author=world.officer)
    client.force_login(world.officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("feedback:suggestions"))
    assert response.content.decode().count('class="card mb-3 suggestion"') == 45

"""Triage: coordinators set a status and a public response; nobody else can, and trying leaves an audit record."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from deflection.models import AuditEvent
from feedback import services
from feedback.models import SuggestionStatus
from feedback.tests.factories import SuggestionFactory


def test_coordinator_adopts_a_suggestion_with_a_public_response(client, world):
    suggestion = SuggestionFactory(program=world.program, author=None)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("feedback:suggestion_detail", args=[suggestion.pk]),
        {"status": SuggestionStatus.ADOPTED, "response": "Done: the form is on the MDT."},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ADOPTED
    assert suggestion.response == "Done: the form is on the MDT."
    assert suggestion.responded_by == world.coordinator
    assert suggestion.responded_at is not None
    event = AuditEvent.objects.get(action="feedback.suggestion.triage")
    assert event.actor == world.coordinator
    assert event.detail["to"] == SuggestionStatus.ADOPTED


def test_a_decision_without_a_response_is_refused_with_a_message(client, world):
    suggestion = SuggestionFactory(program=world.program)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("feedback:suggestion_detail", args=[suggestion.pk]), {"status": SuggestionStatus.DECLINED, "response": ""}
    )
    assert response.status_code == 400
    assert b"need a public response" in response.content
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.NEW


def test_under_review_needs_no_response(world):
    suggestion = SuggestionFactory(program=world.program)
    services.suggestion_triage(suggestion=suggestion, coordinator=world.coordinator, status="under_review", response="")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.UNDER_REVIEW
    assert suggestion.responded_at is None


def test_officer_cannot_open_the_triage_page(client, world):
    client.force_login(world.officer)
    assert client.get(reverse("feedback:triage")).status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == world.officer and denied.object_type == "feedback.suggestion_triage"


def test_officer_cannot_triage_even_their_own_suggestion(client, world):
    suggestion = SuggestionFactory(program=world.program, author=world.officer)
    client.force_login(world.officer)
    response = client.post(
        reverse("feedback:suggestion_detail", args=[suggestion.pk]), {"status": "adopted", "response": "I approve"}
    )
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == world.officer and denied.object_id == str(suggestion.pk)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.NEW
    with pytest.raises(PermissionDenied):
        services.suggestion_triage(suggestion=suggestion, coordinator=world.officer, status="adopted", response="x")


def test_triage_page_lists_new_suggestions_anonymous_ones_without_a_name(client, world):
    SuggestionFactory(program=world.program, author=None, text="Anonymous idea")
    SuggestionFactory(program=world.program, author=world.officer, text="Named idea")
    SuggestionFactory(program=world.other_program, text="Somebody else's program")
    client.force_login(world.coordinator)
    page = client.get(reverse("feedback:triage")).content.decode()
    assert "Anonymous idea" in page and "Named idea" in page
    assert "Somebody else" not in page
    assert "Anonymous" in page
    # Who read the queue is recorded (not which suggestion is whose: anonymous ones have no writer to name).
    read = AuditEvent.objects.get(action="feedback.suggestion.triage_view")
    assert read.actor == world.coordinator and read.detail == {"status": "new", "shown": 2}


def test_triage_page_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for i in range(40):
        SuggestionFactory(program=world.program, author=world.officer if i % 2 else None)
    client.force_login(world.coordinator)
    # Including three for the record of who read the queue (a savepoint around its INSERT).
    with django_assert_max_num_queries(15):
        response = client.get(reverse("feedback:triage"))
    assert response.status_code == 200
    assert response.content.decode().count('class="card mb-3 suggestion"') == 40

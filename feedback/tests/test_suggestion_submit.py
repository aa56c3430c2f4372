"""suggestion_submit: anonymous means no author, no precise time, and no audit record that points at the writer."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback import services
from feedback.models import AnonymousSubmission, AnonymousSuggestionTally, Suggestion
from feedback.tasks import audit_anonymous_suggestions


def test_anonymous_suggestion_stores_no_author_and_no_audit_record_ties_it_to_its_writer(client, world):
    client.force_login(world.officer)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("feedback:suggestion_new"),
        {"program": world.program.pk, "text": "Night shift needs a co-responder.", "anonymous": "on"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    # It waits, encrypted, for the day's shuffled batch; the coordinators read it once the day is over.
    assert not Suggestion.objects.exists()
    pending = AnonymousSubmission.objects.get()
    assert pending.day == world.program.today()
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert services.anonymous_submissions_publish() == 1
    suggestion = Suggestion.objects.get()
    assert suggestion.author is None
    assert suggestion.is_anonymous
    # Kept to the day: a date has no time of day to line up with a sign-in.
    assert type(suggestion.submitted_on) is date
    # No audit record at all was written by the submission: none with the writer,
    # none with their address, none naming the suggestion.
    new_events = AuditEvent.objects.exclude(pk__in=before)
    assert not new_events.exists()
    assert not AuditEvent.objects.filter(object_id=str(suggestion.pk)).exists()
    assert not AuditEvent.objects.filter(ip_address="203.0.113.7").exists()


def test_named_suggestion_keeps_its_author_and_is_audited(client, world):
    client.force_login(world.officer)
    client.post(reverse("feedback:suggestion_new"), {"program": world.program.pk, "text": "Shorter form, please."})
    suggestion = Suggestion.objects.get()
    assert suggestion.author == world.officer
    event = AuditEvent.objects.get(action="feedback.suggestion.submit")
    assert event.actor == world.officer
    assert event.object_id == str(suggestion.pk)


@pytest.mark.parametrize("persona", ["officer", "dispatcher", "supervisor", "command", "deputy"])
def test_police_roles_may_write(world, persona):
    author = getattr(world, persona)
    suggestion = services.suggestion_submit(program=world.program, author=author, text="Idea", anonymous=False)
    assert suggestion.author == author


@pytest.mark.parametrize("persona", ["case_manager", "outsider"])
def test_others_may_not_write_to_the_program(world, persona):
    with pytest.raises(PermissionDenied):
        services.suggestion_submit(program=world.program, author=getattr(world, persona), text="Idea", anonymous=True)
    assert not Suggestion.objects.exists()


def test_an_empty_suggestion_is_refused_with_a_message(client, world):
    client.force_login(world.officer)
    response = client.post(reverse("feedback:suggestion_new"), {"program": world.program.pk, "text": "   "})
    assert response.status_code == 400
    assert b"This field is required." in response.content
    assert not Suggestion.objects.exists()


def test_case_manager_gets_no_suggestion_form(client, world):
    client.force_login(world.case_manager)
    assert client.get(reverse("feedback:suggestion_new")).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=world.case_manager).exists()


def test_anonymous_suggestions_are_audited_as_one_count_per_finished_day(world):
    chicago = ZoneInfo("America/Chicago")
    with time_machine.travel(datetime(2026, 5, 3, 10, 4, tzinfo=chicago), tick=False):
        for text in ["one", "two"]:
            services.suggestion_submit(program=world.program, author=world.officer, text=text, anonymous=True)
        assert services.anonymous_submissions_publish() == 0
        # The day is not over: nothing yet, or the count would narrow the time again.
        assert audit_anonymous_suggestions() == 0
    with time_machine.travel(datetime(2026, 5, 4, 1, 0, tzinfo=chicago), tick=False):
        assert audit_anonymous_suggestions() == 0  # nothing published yet
        assert services.anonymous_submissions_publish() == 2
        assert audit_anonymous_suggestions() == 1
        assert audit_anonymous_suggestions() == 0  # safe to run twice
    event = AuditEvent.objects.get(action="feedback.suggestion.anonymous_daily")
    assert event.actor is None and event.actor_username == "" and event.ip_address is None
    assert event.detail == {"day": "2026-05-03", "count": 2}
    assert event.object_id == str(world.program.pk)
    assert AnonymousSuggestionTally.objects.get().count == 2

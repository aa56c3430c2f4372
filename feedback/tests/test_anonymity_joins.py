"""The joins an adversary with a copy of the database would try, and that find nothing (SECURITY.md 30).

Twelve officers answer an anonymous survey, and twelve write anonymous suggestions, each through the
page as in production, each request committing its own transactions (no test transaction around
them). The test knows who wrote what; the adversary gets every table as PostgreSQL stores it, with
the system columns `xmin` (the writing transaction) and `ctid` (the place on disk), the ids, the
timestamps and the audit trail, and tries to line the "who answered" rows up with the answers.
"""

from __future__ import annotations

import base64
import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent, Role
from feedback.models import AnonymousSubmission, Suggestion, SurveyAnswer, SurveyResponse
from feedback.services import anonymous_submissions_publish
from feedback.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 12


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _xmins(table: str) -> set[int]:
    return {xmin for (xmin,) in _rows(f"SELECT xmin::text::bigint FROM {table}")}  # noqa: S608 (a table name of ours)


def _column_types(table: str) -> dict[str, str]:
    return dict(_rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", [table]))


def _no_sequence_and_no_time(table: str, allowed_dates: set[str] = frozenset()) -> None:
    types = _column_types(table)
    assert types["id"] == "uuid", f"{table}: a sequential key would follow the order of writing"
    timed = {
        name for name, kind in types.items() if kind.startswith(("timestamp", "time ", "date")) and name not in allowed_dates
    }
    assert not timed, f"{table} keeps a time: {timed}"
    defaults = _rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_default LIKE 'nextval%%'", [table]
    )
    assert not defaults, f"{table} draws from a sequence: {defaults}"


def test_anonymous_survey_answers_cannot_be_joined_to_who_answered(client, world, crowd):
    survey = SurveyFactory(program=world.program, anonymous=True, agencies=[world.police])
    scale, open_question = survey.questions.order_by("position")
    people = crowd(world.police, Role.OFFICER, PEOPLE)
    truth = {}  # user id -> the answer only that person wrote
    for i, (user, _membership) in enumerate(people):
        client.force_login(user)
        text = f"Written only by person {i}"
        response = client.post(
            reverse("feedback:survey_answer", args=[survey.pk]),
            {f"q{scale.pk}": str(i % 5 + 1), f"q{open_question.pk}": text},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        truth[user.pk] = text
    assert len(truth) == PEOPLE

    # While the survey is open no answer exists as a row anyone could read, and the waiting
    # submissions were written by transactions other than those of the "who answered" rows.
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()
    pending_xmins = _xmins("feedback_anonymoussubmission")
    assert len(pending_xmins) == PEOPLE
    assert not pending_xmins & _xmins("feedback_surveyparticipation")
    assert not pending_xmins & _xmins("deflection_auditevent")
    # Their stored content is ciphertext, and the token carries no time (a Fernet token's bytes 1-8).
    raw = _rows("SELECT payload FROM feedback_anonymoussubmission")
    assert not any("Written only by" in payload for (payload,) in raw)
    assert {base64.urlsafe_b64decode(payload)[1:9] for (payload,) in raw} == {bytes(8)}

    # The survey closes; the beat job publishes its answers.
    type(survey).objects.filter(pk=survey.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    assert anonymous_submissions_publish() == PEOPLE
    assert anonymous_submissions_publish() == 0  # safe to run twice
    assert not AnonymousSubmission.objects.exists()

    # The adversary's copy: the named rows, with everything PostgreSQL knows about them...
    named = _rows(
        "SELECT user_id, xmin::text::bigint, ctid::text, id, created_at FROM feedback_surveyparticipation WHERE survey_id = %s",
        [survey.pk],
    )
    assert {row[0] for row in named} == set(truth)
    # ... and the answers, likewise.
    answers = _rows(
        "SELECT a.text, a.xmin::text::bigint, r.xmin::text::bigint, r.ctid::text"
        " FROM feedback_surveyanswer a JOIN feedback_surveyresponse r ON r.id = a.response_id"
        " WHERE r.survey_id = %s AND a.text <> ''",
        [survey.pk],
    )
    assert sorted(text for text, *_ in answers) == sorted(truth.values())

    # 1. By transaction: every answer and every response was written by one transaction, so xmin
    #    tells them apart from nothing; and it is none of the transactions that wrote a named row.
    answer_xmins = {a_xmin for _, a_xmin, _, _ in answers} | {r_xmin for _, _, r_xmin, _ in answers}
    assert len(answer_xmins) == 1
    named_xmins = {xmin for _, xmin, *_ in named} | _xmins("deflection_auditevent") | _xmins("django_session")
    assert not answer_xmins & named_xmins
    # Nor did that transaction write any audit record at all.
    assert not answer_xmins & _xmins("deflection_auditevent")

    # 2. By order: the n-th response on disk is not the n-th person to answer, whichever order
    #    of the named rows (xmin, place on disk, id, time) is taken as the order of answering.
    by_disk = [text for text, *_ in sorted(answers, key=lambda row: _sortable(row[3]))]
    for key in (1, 2, 3, 4):  # xmin, ctid, id, created_at
        by_named = [truth[row[0]] for row in sorted(named, key=lambda row, key=key: _sortable(row[key]))]
        assert by_disk != by_named, f"the answers on disk follow the named rows' column {key}"

    # 3. By key or time: random keys, no sequence, and no time column on the answer side.
    _no_sequence_and_no_time("feedback_surveyresponse")
    _no_sequence_and_no_time("feedback_surveyanswer")
    _no_sequence_and_no_time("feedback_anonymoussubmission", allowed_dates={"day"})

    # 4. By the audit trail: the records say who answered the survey, never which response is theirs.
    response_ids = {str(pk) for pk in SurveyResponse.objects.values_list("pk", flat=True)}
    answer_ids = {str(pk) for pk in SurveyAnswer.objects.values_list("pk", flat=True)}
    for event in AuditEvent.objects.all():
        assert event.object_id not in response_ids | answer_ids
        assert not any(pk in str(event.detail) for pk in response_ids | answer_ids)
    respond_details = list(AuditEvent.objects.filter(action="feedback.survey.respond").values_list("detail", flat=True))
    assert len(respond_details) == PEOPLE and all(detail == {} for detail in respond_details)


def _sortable(value):
    if isinstance(value, str) and value.startswith("("):  # a ctid "(block,offset)"
        block, offset = value.strip("()").split(",")
        return (int(block), int(offset))
    return value


def test_anonymous_suggestions_cannot_be_joined_to_their_writers(client, world, crowd):
    chicago = zoneinfo.ZoneInfo(world.program.time_zone)
    people = crowd(world.police, Role.OFFICER, PEOPLE)
    written_in_order = []
    with time_machine.travel(datetime.datetime(2026, 5, 3, 9, 0, tzinfo=chicago), tick=True):
        for i, (user, _membership) in enumerate(people):
            client.force_login(user)
            text = f"Idea only person {i} had"
            response = client.post(
                reverse("feedback:suggestion_new"), {"program": world.program.pk, "text": text, "anonymous": "on"}
            )
            assert response.status_code == 302
            written_in_order.append(text)
        # Nothing is published while the day lasts: the coordinators read the day's suggestions together.
        assert anonymous_submissions_publish() == 0
        assert not Suggestion.objects.exists()
    with time_machine.travel(datetime.datetime(2026, 5, 4, 0, 20, tzinfo=chicago), tick=False):
        assert anonymous_submissions_publish() == PEOPLE

    rows = _rows("SELECT text, author_id, submitted_on, xmin::text::bigint, ctid::text FROM feedback_suggestion")
    rows.sort(key=lambda row: _sortable(row[4]))
    assert sorted(text for text, *_ in rows) == sorted(written_in_order)
    assert {author for _, author, *_ in rows} == {None}
    assert {row[2] for row in rows} == {datetime.date(2026, 5, 3)}
    xmins = {row[3] for row in rows}
    assert len(xmins) == 1
    assert not xmins & (_xmins("deflection_auditevent") | _xmins("django_session"))
    assert [text for text, *_ in rows] != written_in_order  # shuffled on disk
    _no_sequence_and_no_time("feedback_suggestion", allowed_dates={"submitted_on", "responded_at"})
    # No audit record was written by the writers' requests for their anonymous suggestions.
    assert (
        not AuditEvent.objects.filter(action__startswith="feedback.suggestion")
        .exclude(action="feedback.suggestion.anonymous_daily")
        .exists()
    )

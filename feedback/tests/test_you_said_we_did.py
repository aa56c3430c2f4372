"""you_said_we_did(program, start, end): the newsletter's adopted suggestions, answered in the period."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from feedback.models import SuggestionStatus
from feedback.selectors import you_said_we_did
from feedback.tests.factories import AnsweredSuggestionFactory, SuggestionFactory

CHICAGO = ZoneInfo("America/Chicago")


def test_adopted_and_answered_in_the_month_only(world):
    may = datetime(2026, 5, 15, 12, tzinfo=CHICAGO)
    adopted = AnsweredSuggestionFactory(program=world.program, responded_at=may)
    AnsweredSuggestionFactory(program=world.program, status=SuggestionStatus.DECLINED, responded_at=may)
    AnsweredSuggestionFactory(program=world.program, status=SuggestionStatus.UNDER_REVIEW, responded_at=may)
    AnsweredSuggestionFactory(program=world.program, responded_at=datetime(2026, 6, 1, 0, 30, tzinfo=CHICAGO))
    AnsweredSuggestionFactory(program=world.other_program, responded_at=may)
    SuggestionFactory(program=world.program)
    assert list(you_said_we_did(world.program, date(2026, 5, 1), date(2026, 6, 1))) == [adopted]


def test_dates_are_days_in_the_programs_time_zone(world):
    # 11:30 pm on 31 May in Chicago is already 1 June in UTC: it still belongs to May.
    late_may = AnsweredSuggestionFactory(program=world.program, responded_at=datetime(2026, 5, 31, 23, 30, tzinfo=CHICAGO))
    assert list(you_said_we_did(world.program, date(2026, 5, 1), date(2026, 6, 1))) == [late_may]
    assert list(you_said_we_did(world.program, date(2026, 6, 1), date(2026, 7, 1))) == []


def test_newest_answer_first_and_one_query(world, django_assert_num_queries):
    start = datetime(2026, 5, 1, tzinfo=CHICAGO)
    for day in range(20):
        AnsweredSuggestionFactory(program=world.program, responded_at=start + timedelta(days=day))
    with django_assert_num_queries(1):
        items = list(you_said_we_did(world.program, date(2026, 5, 1), date(2026, 6, 1)))
    assert len(items) == 20
    assert items[0].responded_at > items[-1].responded_at
    assert all(item.response for item in items)

"""selectors.approved_newsletter_letters: the letters a coordinator chose for the newsletter, text only."""

import dataclasses
import datetime
import zoneinfo

from deflection.tests.factories import ProgramFactory
from feedback.models import LetterStatus
from feedback.selectors import NewsletterLetter, approved_newsletter_letters
from feedback.tests.factories import ParticipantLetterFactory, approve_letter

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _letter(world, referral, text, reviewed_at, *, newsletter=True, status=LetterStatus.APPROVED):
    letter = ParticipantLetterFactory(referral=referral, recorded_by=world.case_manager, original_text=text)
    approve_letter(letter, world.coordinator, status=status, published_text=text, newsletter=newsletter)
    letter.reviewed_at = reviewed_at
    letter.save(update_fields=["reviewed_at"])
    return letter


def test_only_chosen_letters_approved_in_the_period_in_the_programs_time_zone(world, referral):
    may = datetime.date(2026, 5, 1)
    june = datetime.date(2026, 6, 1)
    _letter(world, referral, "Chosen, early May.", datetime.datetime(2026, 5, 1, 0, 30, tzinfo=CHICAGO))
    _letter(world, referral, "Chosen, redacted.", datetime.datetime(2026, 5, 20, tzinfo=CHICAGO), status=LetterStatus.REDACTED)
    _letter(world, referral, "Not chosen.", datetime.datetime(2026, 5, 10, tzinfo=CHICAGO), newsletter=False)
    _letter(world, referral, "Late April in Chicago.", datetime.datetime(2026, 4, 30, 23, 30, tzinfo=CHICAGO))
    _letter(world, referral, "June.", datetime.datetime(2026, 6, 1, 0, 0, tzinfo=CHICAGO))
    letters = approved_newsletter_letters(world.program, may, june)
    assert letters == [
        NewsletterLetter("Chosen, early May.", datetime.date(2026, 5, 1)),
        NewsletterLetter("Chosen, redacted.", datetime.date(2026, 5, 20)),
    ]
    # Text and a date, nothing a template could follow to the participant, the officer or the scan.
    assert [f.name for f in dataclasses.fields(NewsletterLetter)] == ["text", "approved_on"]
    assert approved_newsletter_letters(ProgramFactory(), may, june) == []


def test_the_selector_runs_one_query(world, referral, django_assert_num_queries):
    for day in range(1, 20):
        _letter(world, referral, f"Letter {day}.", datetime.datetime(2026, 5, day, tzinfo=CHICAGO))
    with django_assert_num_queries(1):
        assert len(approved_newsletter_letters(world.program, datetime.date(2026, 5, 1), datetime.date(2026, 6, 1))) == 19

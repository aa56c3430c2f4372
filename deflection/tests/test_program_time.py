"""A program's local time: days turn over at the program's midnight, not the server's (UTC)."""

from datetime import UTC, date, datetime, time

import time_machine

from deflection.models import Program


def test_today_turns_over_at_the_programs_midnight_not_utc():
    program = Program(time_zone="America/Chicago")
    # 03:00 UTC on March 2 is still the evening of March 1 in Chicago.
    with time_machine.travel(datetime(2026, 3, 2, 3, 0, tzinfo=UTC), tick=False):
        assert program.today() == date(2026, 3, 1)
        assert program.localtime().hour == 21
    assert program.local_date(datetime(2026, 3, 2, 3, 0, tzinfo=UTC)) == date(2026, 3, 1)


def test_local_midnight_is_the_first_instant_of_the_local_day_in_utc():
    program = Program(time_zone="America/Chicago")
    assert program.local_midnight(date(2026, 7, 1)) == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert program.local_datetime(date(2026, 7, 1), time(9, 30)) == datetime(2026, 7, 1, 14, 30, tzinfo=UTC)

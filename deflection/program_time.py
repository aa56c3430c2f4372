"""Program time as pure functions, for code that holds a zone name rather than a `Program`.

`Program` (deflection/models.py) is the home of a program's local time: `program.tz`,
`program.localtime(dt)`, `program.local_date(dt)`, `program.today()`, `program.local_midnight(day)`.
Those methods call the functions here, and so do report periods, which carry only a zone name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def zone(time_zone: str | ZoneInfo) -> ZoneInfo:
    return time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)


def local_midnight(day: date, time_zone: str | ZoneInfo) -> datetime:
    """The first instant of `day` in the time zone, in UTC.

    On a day whose midnight is skipped by a daylight-saving change (clocks jump from 00:00 to 01:00,
    as in Santiago), the day starts at the jump; fold=0 gives exactly that, and for a midnight that
    happens twice it gives the first one.
    """
    return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)

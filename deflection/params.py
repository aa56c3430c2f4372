"""The one way to read an id or a whole number from a URL, a query string, a form or a CSV cell.

`str.isdigit()` accepts '²' (which int() refuses) and int() accepts '٣' and 25-digit numbers
(which PostgreSQL's bigint refuses): each answered 500 somewhere once. Ids here are ASCII digits
that fit in a bigint, so a parsed id can always go to the database.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.urls import register_converter

# Up to 18 digits: always below PostgreSQL's bigint maximum (9223372036854775807).
ID_REGEX = "[1-9][0-9]{0,17}"
_ID = re.compile(rf"\A{ID_REGEX}\Z", re.ASCII)
_WHOLE = re.compile(r"\A-?[0-9]{1,18}\Z", re.ASCII)


def parse_id(value) -> int | None:
    """A positive database id, or None for anything else (empty, '²', '٣', '1e3', 25 digits, NUL...)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 10**18 else None
    if not isinstance(value, str) or not _ID.match(value):
        return None
    return int(value)


def parse_ids(values) -> set[int] | None:
    """Every value parsed as an id, or None if any of them is not one."""
    ids = {parse_id(v) for v in values}
    return None if None in ids else ids


def parse_whole_number(value) -> int | None:
    """A whole number of at most 18 ASCII digits (optionally negative), or None."""
    if not isinstance(value, str) or not _WHOLE.match(value.strip()):
        return None
    return int(value.strip())


class IdConverter:
    """`<id:pk>` in a URL: matches only what parse_id accepts, so a hostile id never reaches a view."""

    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")


# Dates people type: anything outside this window is a typo (year 1, year 9999), and a local time in
# year 9999 can become year 10000 in UTC, which PostgreSQL stores but Python cannot read back.
SANE_YEARS = range(1900, 2201)


def validate_sane_year(value) -> None:
    """A form-field validator for dates and datetimes: the year must be within SANE_YEARS."""
    if value is not None and value.year not in SANE_YEARS:
        raise ValidationError(f"Enter a date between {SANE_YEARS.start} and {SANE_YEARS.stop - 1}.", code="year_out_of_range")

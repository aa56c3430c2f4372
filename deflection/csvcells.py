"""The one way this product writes a CSV a person may open: cells a spreadsheet would run are defused.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice (CSV injection): a username typed at the sign-in page, a provider's name or a note could
then run on a coordinator's machine when the audit or disclosure export is opened. Each such cell gets
a leading apostrophe, which spreadsheets show as text. Machine formats with their own specification
(the HSDS datapackage) keep their values exactly.
"""

from __future__ import annotations

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer's writerow/writerows, with every cell passed through safe_cell."""

    def __init__(self, target):
        self._writer = csv.writer(target)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def safe_writer(target) -> SafeWriter:
    return SafeWriter(target)

"""Every CSV a person may open is written through deflection.csvcells (CSV injection, issue 10's class of
bad input): a source walk finds any csv.writer outside it, so a new export cannot forget."""

import csv
import io
import re
from pathlib import Path

from deflection.csvcells import safe_writer

ROOT = Path(__file__).resolve().parent.parent
APPS = ("deflection", "referrals", "training", "feedback", "reports")
# Machine formats with a specification of their own keep their values exactly.
EXEMPT = {Path("deflection/csvcells.py"), Path("referrals/api/hsds.py")}


def test_no_csv_is_written_around_the_safe_writer():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts or relative in EXEMPT:
                continue
            if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text()):
                offenders.append(str(relative))
    assert offenders == [], f"write CSV with deflection.csvcells.safe_writer: {offenders}"


def test_formula_cells_are_defused_and_the_rest_kept():
    buffer = io.StringIO()
    safe_writer(buffer).writerow(['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx", "plain", 7, None, "a-b"])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "7",
        "",
        "a-b",
    ]

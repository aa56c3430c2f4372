"""EMS / dispatch CSV import of overdoses, with the attendance import's rules.

Every row is checked first; the good rows are then saved together in one transaction and every bad
row comes back with its line number and reason. A problem with the file itself (size, encoding,
header) saves nothing. An incident number already imported is skipped, so uploading the same file
again is safe.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Program, User
from deflection.params import SANE_YEARS, parse_whole_number
from referrals.overdose.forms import MAX_DOSES
from referrals.overdose.models import OutreachSettings, Overdose, OverdoseSource
from referrals.overdose.services import OverdoseData, overdose_record

IMPORT_REJECTED = "import_rejected"
IMPORT_COLUMNS = ("incident_id", "occurred_at", "place", "fatal", "naloxone_doses")
OPTIONAL_COLUMNS = ("first_name", "last_name", "date_of_birth", "phone")
IMPORT_MAX_BYTES = 2_000_000
IMPORT_MAX_ROWS = 5_000
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


@dataclass
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    saved: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _rejected(message: str) -> ServiceError:
    return ServiceError(message, code=IMPORT_REJECTED)


def _read(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if len(data) > IMPORT_MAX_BYTES:
        raise _rejected(f"The file is larger than {IMPORT_MAX_BYTES // 1_000_000} MB; split it into smaller files.")
    if not data.strip():
        raise _rejected("The file is empty.")
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        raise _rejected('The file is not UTF-8 text. In Excel choose "Save as: CSV UTF-8" and upload it again.')
    if "\x00" in text:
        raise _rejected("The file contains binary data; upload a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = next(reader, None)
        for row in reader:
            if len(rows) >= IMPORT_MAX_ROWS:
                raise _rejected(f"The file has more than {IMPORT_MAX_ROWS:,} rows; split it into smaller files.")
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise _rejected(f"Line {reader.line_num}: this is not a readable CSV file ({exc}).")
    header = [h.strip().lower() for h in header or []]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise _rejected(f"The first line must name the columns {', '.join(IMPORT_COLUMNS)} (missing: {', '.join(missing)}).")
    if len(set(header)) != len(header):
        raise _rejected("The first line names a column twice.")
    if not rows:
        raise _rejected("The file has a header line but no rows.")
    return header, rows


def _parse_row(values: dict[str, str], program: Program) -> tuple[OverdoseData | None, list[str]]:
    reasons = []
    ref = values["incident_id"]
    if not ref:
        reasons.append("incident_id is missing")
    elif len(ref) > 60:
        reasons.append("incident_id is longer than 60 characters")
    occurred_at = None
    try:
        naive = datetime.datetime.fromisoformat(values["occurred_at"])
    except ValueError:
        reasons.append(f"occurred_at {values['occurred_at']!r} is not a date and time (use YYYY-MM-DD HH:MM)")
    else:
        if naive.year not in SANE_YEARS:
            reasons.append(f"occurred_at {values['occurred_at']!r} has an impossible year")
        else:
            # A time without an offset is the program's wall clock, as the dispatch system shows it.
            occurred_at = naive if naive.tzinfo else naive.replace(tzinfo=program.tz)
            if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
                reasons.append(f"occurred_at {values['occurred_at']!r} is in the future")
    if not values["place"]:
        reasons.append("place is missing")
    elif len(values["place"]) > 300:
        reasons.append("place is longer than 300 characters")
    fatal = values["fatal"].lower()
    if fatal not in YES | NO:
        reasons.append(f"fatal {values['fatal']!r} is not yes or no")
    doses = parse_whole_number(values["naloxone_doses"])
    if doses is None or not 0 <= doses <= MAX_DOSES:
        reasons.append(f"naloxone_doses {values['naloxone_doses']!r} is not a number from 0 to {MAX_DOSES}")
    dob = None
    if values.get("date_of_birth"):
        try:
            dob = datetime.date.fromisoformat(values["date_of_birth"])
        except ValueError:
            reasons.append(f"date_of_birth {values['date_of_birth']!r} is not a date (use YYYY-MM-DD)")
        else:
            if dob.year not in SANE_YEARS or dob > program.today():
                reasons.append(f"date_of_birth {values['date_of_birth']!r} is not a possible date of birth")
    if bool(values.get("first_name")) != bool(values.get("last_name")):
        reasons.append("give both first_name and last_name, or neither")
    if any(len(values.get(c, "")) > 100 for c in OPTIONAL_COLUMNS):
        reasons.append("a name or phone is longer than 100 characters")
    if reasons:
        return None, reasons
    return (
        OverdoseData(
            occurred_at=occurred_at,
            place=values["place"],
            fatal=fatal in YES,
            naloxone_doses=doses,
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            date_of_birth=dob,
            phone=values.get("phone", ""),
            external_ref=ref,
        ),
        [],
    )


def overdose_import_csv(*, program: Program, data: bytes, imported_by: User, audit: AuditContext | None = None) -> ImportResult:
    header, rows = _read(data)
    known = set(IMPORT_COLUMNS) | set(OPTIONAL_COLUMNS)
    result = ImportResult(ignored_columns=[h for h in header if h not in known])
    index = {name: header.index(name) for name in known if name in header}
    already = set(Overdose.objects.filter(program=program).exclude(external_ref="").values_list("external_ref", flat=True))
    seen: dict[str, int] = {}
    good: list[OverdoseData] = []
    for line, row in rows:
        if len(row) != len(header):
            result.errors.append(RowProblem(line, f"expected {len(header)} values, found {len(row)}"))
            continue
        values = {name: row[i].strip() for name, i in index.items()}
        parsed, reasons = _parse_row(values, program)
        if parsed is None:
            result.errors.append(RowProblem(line, "; ".join(reasons)))
        elif parsed.external_ref in already:
            result.skipped.append(RowProblem(line, f"incident {parsed.external_ref} is already recorded"))
        elif parsed.external_ref in seen:
            result.errors.append(RowProblem(line, f"incident {parsed.external_ref} is also on line {seen[parsed.external_ref]}"))
        else:
            seen[parsed.external_ref] = line
            good.append(parsed)
    outreach_settings = OutreachSettings.for_program(program)
    with transaction.atomic():
        for overdose in good:
            overdose_record(
                program=program,
                data=overdose,
                recorded_by=imported_by,
                source=OverdoseSource.IMPORT,
                outreach_settings=outreach_settings,
                audit=audit,
            )
        result.saved = len(good)
        audit_log(
            action="overdose.import",
            context=audit,
            actor=imported_by,
            obj=program,
            detail={"saved": result.saved, "errors": len(result.errors), "skipped": len(result.skipped)},
        )
    return result

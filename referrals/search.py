"""Finding a referral: by its reference, or by name and date of birth through the blind index.

One parser and one filter, shared by the case manager's worklist (referrals/worklist.py) and the
officer's My referrals (referrals/views.py): the name is never compared in clear text, only its
keyed digest (referrals/matching.py), and the caller's queryset already holds only what they may see.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet

from referrals.matching import exact_key
from referrals.models import MatchKeyKind, Referral

REFERENCE = re.compile(r"^\s*(?:R-?)?0*(\d{1,9})\s*$", re.IGNORECASE)  # "R-000693", "r693" or "693"
REFERENCE_HELP = "Search by reference: R-000123. Or use first name, last name and date of birth."


@dataclass(frozen=True)
class ReferralSearch:
    reference: int | None = None
    # name + date of birth, matched through the blind index (never the clear text)
    first_name: str = ""
    last_name: str = ""
    date_of_birth: datetime.date | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> ReferralSearch:
        """`q` (a reference), `first_name`, `last_name`, `dob`; bad values are ignored with a message, never a 500."""
        errors: list[str] = []
        reference = None
        q = params.get("q", "").strip()
        if q:
            match = REFERENCE.match(q)
            if match:
                reference = int(match.group(1))
            else:
                errors.append(REFERENCE_HELP)
        dob = None
        if params.get("dob"):
            try:
                dob = datetime.date.fromisoformat(params["dob"])
            except ValueError:
                errors.append("Date of birth: use the date picker (YYYY-MM-DD).")
        first, last = params.get("first_name", "").strip()[:100], params.get("last_name", "").strip()[:100]
        if (first or last or dob) and not (first and last and dob) and not errors:
            errors.append("To find a person, give the first name, the last name and the date of birth.")
        return cls(reference=reference, first_name=first, last_name=last, date_of_birth=dob, errors=errors)

    @property
    def by_person(self) -> bool:
        return bool(self.first_name and self.last_name and self.date_of_birth)

    @property
    def kind(self) -> str:
        """How the search looks (for the audit record, which never carries the terms): "reference", "person" or ""."""
        return "reference" if self.reference is not None else "person" if self.by_person else ""

    def apply(self, qs: QuerySet[Referral]) -> QuerySet[Referral]:
        if self.reference is not None:
            qs = qs.filter(pk=self.reference)
        if self.by_person:
            digest = exact_key(self.first_name, self.last_name, self.date_of_birth)
            qs = qs.filter(participant__match_keys__kind=MatchKeyKind.EXACT, participant__match_keys__digest=digest)
        return qs

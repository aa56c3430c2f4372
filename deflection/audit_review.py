"""The coordinators' weekly audit review (CJIS): which events, whose, and the filter form.

Events of a program are those whose actor (or, for a failed sign-in, the typed username) belongs
to one of the program's agencies. Dates are days in the program's time zone.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Case, Q, QuerySet, Value, When

from deflection.models import AuditEvent, AuditOutcome, Membership, Program
from deflection.program_time import local_midnight

KINDS: dict[str, tuple[str, Q]] = {
    "failed_login": ("Failed sign-ins", Q(action="login.failed") | Q(action__startswith="mfa.", outcome=AuditOutcome.FAILURE)),
    "lockout": ("Lockouts", Q(action="login.locked")),
    "break_glass": ("Break-glass", Q(action__startswith="breakglass.")),
    "denied": ("Denied look-ups", Q(action="access.denied")),
    "export": ("Exports", Q(action__endswith=".csv") | Q(action__contains="export")),
    "pdf": ("PDF downloads", Q(action__endswith=".pdf") | Q(action="newsletter.download")),
}
REVIEWED = Q()
for _label, _q in KINDS.values():
    REVIEWED |= _q


def _sane_day(value: datetime.date) -> None:
    # A year outside this window is a typo, and year 9999 in a far-east zone overflows once in UTC.
    if not 2000 <= value.year <= 2100:
        raise forms.ValidationError("Enter a date between 2000 and 2100.")


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Everything reviewed")] + [(k, v[0]) for k, v in KINDS.items()], required=False)
    user = forms.CharField(label="Username", max_length=150, required=False)
    start = forms.DateField(label="From", required=False, validators=[_sane_day], widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, validators=[_sane_day], widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("“From” must not be after “To”.")
        return data


def program_usernames(program: Program):
    return Membership.objects.filter(agency_id__in=program.agency_ids()).values("user__username")


def audit_events_for_review(*, program: Program | None, filters: dict) -> QuerySet[AuditEvent]:
    """The events the review lists, newest first; `program` None means every program (administrators)."""
    events = AuditEvent.objects.filter(REVIEWED)
    if program is not None:
        events = events.filter(actor_username__in=program_usernames(program))
    if filters.get("kind"):
        events = events.filter(KINDS[filters["kind"]][1])
    if filters.get("user"):
        events = events.filter(actor_username__iexact=filters["user"])
    tz = program.time_zone if program is not None else "UTC"
    if filters.get("start"):
        events = events.filter(at__gte=local_midnight(filters["start"], tz))
    if filters.get("end"):
        events = events.filter(at__lt=local_midnight(filters["end"] + datetime.timedelta(days=1), tz))
    kind = Case(*[When(query, then=Value(label)) for label, query in KINDS.values()], default=Value(""))
    return events.annotate(kind=kind).order_by("-at", "-id")

"""The encounter form (seconds on a phone: tap the call type, tick what happened, send) and the month picker."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone

from deflection.params import SANE_YEARS, validate_sane_year
from referrals.coresponder.models import CallType
from referrals.coresponder.services import EncounterData

# A call logged later than this is a memory, not a log: the pair logs within the shift.
LATEST_BACKDATE = datetime.timedelta(days=7)
# Phones' clocks drift; a few minutes ahead is not a typo.
CLOCK_SKEW = datetime.timedelta(minutes=5)
_MONTH = re.compile(r"\A([0-9]{4})-([0-9]{2})\Z", re.ASCII)


class EncounterForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    call_type = forms.ChoiceField(choices=CallType.choices, widget=forms.RadioSelect, label="Call type")
    resolved_on_scene = forms.BooleanField(required=False, label="Resolved on scene")
    transported = forms.BooleanField(required=False, label="Transported")
    arrest_avoided = forms.BooleanField(required=False, label="Arrest avoided")
    er_visit_avoided = forms.BooleanField(required=False, label="ER visit avoided")
    referred = forms.BooleanField(required=False, label="Referred to the program (the referral form opens next)")
    clinician = forms.ModelChoiceField(queryset=None, required=False, label="Clinician", empty_label="(none on this call)")
    occurred_at = forms.DateTimeField(
        required=False,
        label="Time of the call, if not just now",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[validate_sane_year],
    )

    def __init__(self, *args, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians

    def clean_occurred_at(self):
        """Parsed in the program's time zone (the view renders and validates under its override)."""
        value = self.cleaned_data.get("occurred_at")
        if value is None:
            return None
        now = timezone.now()
        if value > now + CLOCK_SKEW:
            raise forms.ValidationError("The time of the call is in the future.")
        if value < now - LATEST_BACKDATE:
            raise forms.ValidationError("Log calls within 7 days; ask the coordinator about older ones.")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resolved_on_scene") and cleaned.get("transported"):
            raise forms.ValidationError("A call is either resolved on scene or the person was transported, not both.")
        return cleaned

    def to_data(self) -> EncounterData:
        c = self.cleaned_data
        return EncounterData(
            call_type=c["call_type"],
            occurred_at=c["occurred_at"] or timezone.now(),
            idempotency_key=c["idempotency_key"],
            resolved_on_scene=c["resolved_on_scene"],
            transported=c["transported"],
            arrest_avoided=c["arrest_avoided"],
            er_visit_avoided=c["er_visit_avoided"],
            clinician=c["clinician"],
        )


def parse_month(value: str | None, default: datetime.date) -> datetime.date | None:
    """`YYYY-MM` from the query string as the month's first day; `default` when absent, None when malformed."""
    if value is None or value == "":
        return default
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if year not in SANE_YEARS or not 1 <= month <= 12:
        return None
    return datetime.date(year, month, 1)

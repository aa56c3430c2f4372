"""The coordinator's on-call rota form (the page is referrals/program_views.py, the rules referrals/assignment.py)."""

from __future__ import annotations

from django import forms

from deflection.models import Agency, User
from deflection.params import validate_sane_year


class OnCallShiftForm(forms.Form):
    """One shift on a provider's on-call rota; times are the program's wall clock (the view sets its zone)."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Provider", empty_label="Choose the provider…")
    case_manager = forms.ModelChoiceField(queryset=None, label="Case manager on call", empty_label="Choose who is on call…")
    starts_at = forms.DateTimeField(
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[validate_sane_year],
    )
    ends_at = forms.DateTimeField(
        label="Until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[validate_sane_year],
    )

    def __init__(self, *args, providers, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in providers]).order_by("name")
        self.fields["case_manager"].queryset = User.objects.filter(pk__in=[u.pk for u in case_managers]).order_by(
            "first_name", "last_name"
        )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The shift must end after it starts.")
        return cleaned

"""The coordinator's form for a new API client."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from referrals.api.models import Scope

MAX_LIFETIME_DAYS = 366


class ApiClientForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, error_messages={"invalid_choice": "Choose one of your program's agencies."})
    name = forms.CharField(max_length=100, help_text="Which system this is, e.g. 'Riverside CAD'.")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one scope."}
    )
    expires_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text=f"At most {MAX_LIFETIME_DAYS} days from today."
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=90)

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError("The expiry must be after today.")
        if value > today + datetime.timedelta(days=MAX_LIFETIME_DAYS):
            raise forms.ValidationError(f"Tokens live at most {MAX_LIFETIME_DAYS} days; issue a new one then.")
        return value

    def expires_at(self) -> datetime.datetime:
        """The end of the expiry day, in the server's time zone (stored in UTC)."""
        day = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

"""Forms for the report pages: commendations, newsletters and their sending (periods: reports.periods)."""

from __future__ import annotations

import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from deflection.models import Agency, Membership, Program
from deflection.params import parse_id
from reports.models import RecipientList
from reports.outcomes import program_agency_ids
from reports.periods import Period, last_complete_quarter


def parse_int(value) -> int | None:
    """An id from a query string, or None for anything that is not one (a filter then filters nothing)."""
    return parse_id((value or "").strip())


class CommendationForm(forms.Form):
    text = forms.CharField(
        label="Commendation",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="What the officer did and why it matters. Do not name or describe the people they referred.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save the commendation", css_class="btn-primary"))


class QuarterlyEditionForm(forms.Form):
    quarter = forms.ChoiceField(label="Quarter")

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        last = last_complete_quarter(timezone.now(), program.time_zone)
        self.fields["quarter"].choices = [(last.shifted(-n).key, last.shifted(-n).label) for n in range(8)]
        self.program = program
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Build the quarter's edition", css_class="btn-primary"))

    def clean_quarter(self) -> Period:
        return Period.parse(self.cleaned_data["quarter"], self.program.time_zone)


class SendForm(forms.Form):
    message = forms.CharField(
        label="Covering message",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=1500,
        required=False,
        help_text="A few lines above the link or attachment. Emails never carry names of participants.",
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Everyone (officers and staff) of these agencies",
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    recipient_list = forms.ModelChoiceField(label="Or a saved list", queryset=RecipientList.objects.none(), required=False)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, program: Program, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = Agency.objects.filter(id__in=program_agency_ids(program)).order_by("name")
        self.fields["recipient_list"].queryset = lists.order_by("name")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Send the newsletter", css_class="btn-primary"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("agencies") and not cleaned.get("recipient_list"):
            raise forms.ValidationError("Choose at least one agency or a saved list.")
        return cleaned


class RecipientListForm(forms.Form):
    name = forms.CharField(max_length=100)
    usernames = forms.CharField(
        label="People",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One username or email address per line; each must belong to one of the program's agencies.",
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save the list", css_class="btn-primary"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if RecipientList.objects.filter(program=self.program, name=name).exists():
            raise forms.ValidationError("The program already has a list with this name.")
        return name

    def clean_usernames(self):
        wanted = [line.strip() for line in self.cleaned_data["usernames"].splitlines() if line.strip()]
        if len(wanted) > 5000:
            raise forms.ValidationError("A list holds at most 5,000 people.")
        members = Membership.objects.filter(agency_id__in=program_agency_ids(self.program), is_active=True)
        found = {}
        for user_id, username, email in members.values_list("user_id", "user__username", "user__email"):
            found[username.lower()] = user_id
            found[email.lower()] = user_id
        unknown = [entry for entry in wanted if entry.lower() not in found]
        if unknown:
            shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
            raise forms.ValidationError(f"Not in the program's agencies: {shown}")
        return sorted({found[entry.lower()] for entry in wanted})

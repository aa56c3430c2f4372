"""Forms of the HUB pages. Choices of agencies are limited to the table's members (or the user's own)."""

from __future__ import annotations

from django import forms

from deflection.models import Agency
from deflection.params import validate_sane_year
from referrals.hub.models import AgeGroup, CloseReason, HubMeeting, HubTable, RiskFactor, Situation

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
NO_NAMES = "De-identified: no names, addresses or anything else that tells who a person is."


def _agencies(queryset) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(queryset=queryset, widget=forms.CheckboxSelectMultiple)


class TableForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name of the table")
    meets = forms.CharField(max_length=200, required=False, label="When and where it meets")
    member_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), widget=forms.CheckboxSelectMultiple, label="Member agencies"
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_agencies"].queryset = Agency.objects.filter(pk__in=program.agency_ids()).order_by("name")


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(widget=DATETIME_INPUT, label="Starts at", validators=[validate_sane_year])
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=NO_NAMES, max_length=5000)

    def __init__(self, *args, table: HubTable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = f"In the program's time zone ({table.program.time_zone})."


class MeetingRecordForm(forms.Form):
    attended_by = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), widget=forms.CheckboxSelectMultiple, required=False, label="Agencies present"
    )
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=NO_NAMES, max_length=5000)
    minutes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=NO_NAMES, max_length=20000)

    def __init__(self, *args, meeting: HubMeeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended_by"].queryset = meeting.table.member_agencies.order_by("name")


class PresentForm(forms.Form):
    """Filter 2: what the table hears first. There is no field for a name, by design."""

    meeting = forms.ModelChoiceField(queryset=HubMeeting.objects.none(), label="Meeting")
    presenting_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Presenting agency")
    risk_factors = forms.MultipleChoiceField(
        choices=RiskFactor.choices, widget=forms.CheckboxSelectMultiple, label="Risk factors"
    )
    age_group = forms.ChoiceField(choices=AgeGroup.choices, widget=forms.RadioSelect, label="Age group")
    lead_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Proposed lead agency")

    def __init__(self, *args, table: HubTable, meetings, presenting_agency_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].initial = meetings.first()  # the latest meeting: usually the one under way
        self.fields["meeting"].label_from_instance = lambda m: f"{m.starts_at:%a %d %b %Y %H:%M}"
        self.fields["presenting_agency"].queryset = table.member_agencies.filter(pk__in=presenting_agency_ids).order_by("name")
        self.fields["lead_agency"].queryset = table.member_agencies.order_by("name")


class DecisionForm(forms.Form):
    """Filter 3: the table's decision."""

    decision = forms.ChoiceField(
        choices=[("acute", "Acute elevated risk: share identity with the agencies below"), ("below", "Below the threshold")],
        widget=forms.RadioSelect,
        label="The table's decision",
    )
    lead_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Lead agency")
    assisting_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), widget=forms.CheckboxSelectMultiple, required=False, label="Assisting agencies"
    )

    def __init__(self, *args, situation: Situation, **kwargs):
        super().__init__(*args, **kwargs)
        members = situation.table.member_agencies.order_by("name")
        self.fields["lead_agency"].queryset = members
        self.fields["lead_agency"].initial = situation.lead_agency_id
        self.fields["assisting_agencies"].queryset = members


class IdentityForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_sane_year]
    )
    address = forms.CharField(max_length=300, required=False, label="Address or where the person can be found")
    phone = forms.CharField(max_length=40, required=False)


class InterventionForm(forms.Form):
    took_part = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(), widget=forms.CheckboxSelectMultiple, label="Agencies that agreed the intervention"
    )

    def __init__(self, *args, situation: Situation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["took_part"].queryset = Agency.objects.filter(pk__in=situation.assignments.values("agency_id")).order_by(
            "name"
        )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(choices=CloseReason.choices, widget=forms.RadioSelect, label="Why is it closed?")

"""Forms: the intake (a few taps at the front desk; the person's details optional), placement, closing, settings."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core import signing
from django.utils import timezone

from deflection.models import Program
from deflection.params import SANE_YEARS, validate_sane_year
from referrals.forms import OPENED_SALT, check_optional_person, sign_opened_at
from referrals.models import Handoff
from referrals.walkin.models import CloseReason, Need, WalkInSettings
from referrals.walkin.services import CLOCK_SKEW, VOLUNTEER_STATES, IntakeData, PlacementData

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
# An intake is started while the person is there: an arrival longer ago than this is a typo.
LATEST_ARRIVAL = datetime.timedelta(hours=12)
YES_NO = [("yes", "Yes"), ("no", "No")]
_YEAR = re.compile(r"\A[0-9]{4}\Z", re.ASCII)


def _local_datetime_field(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        validators=[validate_sane_year],
        error_messages={"required": f"Enter the {label.lower()}.", "invalid": "Enter a date and time."},
    )


def _in_program_time(value: datetime.datetime, program: Program) -> datetime.datetime:
    """The wall-clock time the person typed, where the program is."""
    return timezone.make_aware(timezone.make_naive(value).replace(tzinfo=None), program.tz)


class IntakeForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label=None)
    arrived_at = _local_datetime_field("Arrival time")
    unit = forms.ModelChoiceField(queryset=None, required=False, label="Station / unit", empty_label="(my own unit)")
    need = forms.ChoiceField(
        choices=Need.choices,
        widget=forms.RadioSelect,
        label="What they are asking for",
        error_messages={"required": "Choose what the person is asking for."},
    )
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_sane_year]
    )
    phone = forms.CharField(max_length=40, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    note = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note for the volunteer (optional)"
    )

    def __init__(self, *args, programs, stations, unit_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        programs = list(programs)
        if len(programs) == 1:
            self.fields["program"].widget = forms.HiddenInput()
        self.fields["unit"].queryset = stations
        if not self.is_bound:
            self.initial.setdefault("program", programs[0].pk)
            self.initial.setdefault("arrived_at", programs[0].localtime().strftime(LOCAL_INPUT))
            self.initial.setdefault("unit", unit_initial)

    def clean(self):
        cleaned = super().clean()
        program, moment = cleaned.get("program"), cleaned.get("arrived_at")
        if program is not None and moment is not None:
            cleaned["arrived_at"] = moment = _in_program_time(moment, program)
            now = timezone.now()
            if moment > now + CLOCK_SKEW:
                self.add_error("arrived_at", "The arrival time is in the future.")
            elif moment < now - LATEST_ARRIVAL:
                self.add_error("arrived_at", "Start the intake while the person is here: arrival within the last 12 hours.")
        unit = cleaned.get("unit")
        if program is not None and unit is not None and unit.agency_id not in program.agency_ids():
            self.add_error("unit", "Choose a station of the program's agencies.")
        check_optional_person(self, cleaned, program)
        return cleaned

    def to_data(self) -> IntakeData:
        c = self.cleaned_data
        return IntakeData(
            arrived_at=c["arrived_at"],
            need=c["need"],
            idempotency_key=c["idempotency_key"],
            unit=c.get("unit"),
            first_name=c.get("first_name", "").strip(),
            last_name=c.get("last_name", "").strip(),
            date_of_birth=c.get("date_of_birth"),
            phone=c.get("phone", "").strip(),
            note=c.get("note", "").strip(),
        )


PLACEMENT_HANDOFFS = [(Handoff.TRANSPORT.value, Handoff.TRANSPORT.label), (Handoff.WARM.value, Handoff.WARM.label)]


class PlacementForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=None,
        label="Placed at",
        error_messages={"required": "Choose where the person was placed.", "invalid_choice": "Choose a provider from the list."},
    )
    handoff = forms.ChoiceField(choices=PLACEMENT_HANDOFFS, initial=Handoff.TRANSPORT, widget=forms.RadioSelect, label="How")
    placed_at = _local_datetime_field("Placement time", required=False)
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, program: Program, services, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["service"].queryset = services
        self.fields["placed_at"].help_text = "Leave empty for now."
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.question,
                choices=YES_NO,
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                error_messages={"required": "Answer this eligibility question."},
            )
        if not self.is_bound:
            self.initial.setdefault("opened", sign_opened_at(timezone.now()))

    def criterion_fields(self):
        return [self[f"criterion_{c.pk}"] for c in self.criteria]

    def clean_opened(self):
        try:
            stamp = signing.loads(self.cleaned_data.get("opened") or "", salt=OPENED_SALT, max_age=60 * 60 * 24)
        except signing.BadSignature:
            return timezone.now()  # a tampered or stale stamp: the form's time is simply not measured
        return datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)

    def clean_placed_at(self):
        value = self.cleaned_data.get("placed_at")
        return _in_program_time(value, self.program) if value is not None else None

    def to_data(self) -> PlacementData:
        c = self.cleaned_data
        return PlacementData(
            service=c["service"],
            placed_at=c["placed_at"] or timezone.now(),
            handoff=c["handoff"],
            form_opened_at=c["opened"],
            eligibility_answers={crit.pk: c[f"criterion_{crit.pk}"] for crit in self.criteria},
        )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        choices=CloseReason.choices,
        widget=forms.RadioSelect,
        label="Why",
        error_messages={"required": "Choose why the walk-in is closed."},
    )


class WalkInSettingsForm(forms.ModelForm):
    class Meta:
        model = WalkInSettings
        fields = ["promise"]
        widgets = {"promise": forms.Textarea(attrs={"rows": 3})}


class VolunteerForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=None, label="Volunteer", error_messages={"invalid_choice": "Choose a person from the list."}
    )
    state = forms.ChoiceField(
        choices=[(s, s.replace("_", " ").capitalize()) for s in VOLUNTEER_STATES], initial="on_call", label="Set to"
    )

    def __init__(self, *args, eligible, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = eligible


def parse_year(value, default: int) -> int | None:
    """`YYYY` from the query string; `default` when absent, None when malformed."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or not _YEAR.match(value) or int(value) not in SANE_YEARS:
        return None
    return int(value)

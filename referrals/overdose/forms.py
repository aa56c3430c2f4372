"""Forms: the overdose in seconds (four facts, the person optional), an outreach attempt, the ledger, settings, import."""

from __future__ import annotations

import datetime

from django import forms
from django.core import signing
from django.utils import timezone

from deflection.models import Program, Unit
from deflection.params import validate_sane_year
from referrals.forms import OPENED_SALT, check_optional_person, sign_opened_at
from referrals.overdose.models import (
    AttemptResult,
    Channel,
    KitRecipient,
    OutreachSettings,
    Reached,
)
from referrals.overdose.services import AttemptData, OverdoseData

YES_NO = [("yes", "Yes"), ("no", "No")]


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap classes on the typed inputs (the templates lay out fields by hand, for one thumb)."""
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.widgets.Input | forms.Textarea) and not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


MAX_DOSES = 20
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
LONGEST_EXPORT = datetime.timedelta(days=366)


def _yes_no(label: str, message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "yes", widget=forms.RadioSelect, error_messages={"required": message}
    )


class OverdoseForm(forms.Form):
    """ODMAP's four facts, in the order a responder knows them, then the person if they are known."""

    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label=None)
    occurred_at = forms.DateTimeField(
        label="When",
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        validators=[validate_sane_year],
        error_messages={"required": "Enter when it happened.", "invalid": "Enter a date and time."},
    )
    place = forms.CharField(
        label="Where",
        max_length=300,
        help_text="An address or a landmark.",
        error_messages={"required": "Enter where it happened."},
    )
    fatal = _yes_no("Fatal?", "Say whether the overdose was fatal.")
    naloxone_given = _yes_no("Naloxone given?", "Say whether naloxone was given.")
    naloxone_doses = forms.IntegerField(
        label="Doses of naloxone",
        min_value=0,
        max_value=MAX_DOSES,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_sane_year]
    )
    phone = forms.CharField(max_length=40, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    address = forms.CharField(max_length=300, required=False, label="Where the person lives")
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        programs = list(programs)
        if len(programs) == 1:
            self.fields["program"].widget = forms.HiddenInput()
        _bootstrap(self)
        if not self.is_bound:
            self.initial.setdefault("program", programs[0].pk)
            self.initial.setdefault("occurred_at", programs[0].localtime().strftime(LOCAL_INPUT))
            self.initial.setdefault("opened", sign_opened_at(timezone.now()))

    def clean_opened(self):
        try:
            stamp = signing.loads(self.cleaned_data.get("opened") or "", salt=OPENED_SALT, max_age=60 * 60 * 24)
        except signing.BadSignature:
            return None  # a tampered or stale stamp: the time taken is simply not measured
        return datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)

    def clean(self):
        cleaned = super().clean()
        program, moment = cleaned.get("program"), cleaned.get("occurred_at")
        if program is not None and moment is not None:
            # The responder typed the program's wall-clock time.
            cleaned["occurred_at"] = timezone.make_aware(timezone.make_naive(moment).replace(tzinfo=None), program.tz)
            if cleaned["occurred_at"] > timezone.now() + datetime.timedelta(minutes=5):
                self.add_error("occurred_at", "That time is in the future.")
        if cleaned.get("naloxone_given"):
            if not cleaned.get("naloxone_doses") and "naloxone_doses" not in self.errors:
                self.add_error("naloxone_doses", "How many doses were given (1 or more)?")
        elif cleaned.get("naloxone_given") is False:
            cleaned["naloxone_doses"] = 0
        check_optional_person(self, cleaned, program)
        return cleaned

    def to_data(self) -> OverdoseData:
        c = self.cleaned_data
        return OverdoseData(
            occurred_at=c["occurred_at"],
            place=c["place"].strip(),
            fatal=c["fatal"],
            naloxone_doses=c["naloxone_doses"] or 0,
            first_name=c.get("first_name", "").strip(),
            last_name=c.get("last_name", "").strip(),
            date_of_birth=c.get("date_of_birth"),
            phone=c.get("phone", "").strip(),
            address=c.get("address", "").strip(),
        )


class AttemptForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, widget=forms.RadioSelect, error_messages={"required": "Choose how."})
    reached = forms.ChoiceField(
        label="Who was reached", choices=Reached.choices, widget=forms.RadioSelect, error_messages={"required": "Choose who."}
    )
    result = forms.ChoiceField(
        choices=AttemptResult.choices, widget=forms.RadioSelect, error_messages={"required": "Choose the result."}
    )
    note = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        # The program's checklist: asked only when the survivor engages (the case becomes a referral).
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.question,
                choices=[("yes", criterion.answer_label(True)), ("no", criterion.answer_label(False))],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                required=False,
                help_text=criterion.answer_guide,
            )

        _bootstrap(self)

    def criterion_fields(self):
        return [self[f"criterion_{c.pk}"] for c in self.criteria]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("result") == AttemptResult.ENGAGED:
            for criterion in self.criteria:
                if cleaned.get(f"criterion_{criterion.pk}") in (None, ""):
                    self.add_error(f"criterion_{criterion.pk}", "Answer this eligibility question.")
        return cleaned

    def to_data(self) -> AttemptData:
        c = self.cleaned_data
        return AttemptData(
            channel=c["channel"],
            reached=c["reached"],
            result=c["result"],
            note=c.get("note", ""),
            eligibility_answers={crit.pk: c[f"criterion_{crit.pk}"] for crit in self.criteria}
            if c["result"] == AttemptResult.ENGAGED
            else {},
        )


class KitForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), error_messages={"invalid_choice": "Choose one of the units."})
    quantity = forms.IntegerField(min_value=1, max_value=500, initial=1)
    recipient = forms.ChoiceField(choices=[("", "— restock, no recipient —"), *KitRecipient.choices], required=False)

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            Unit.objects.filter(agency_id__in=program.agency_ids()).select_related("agency").order_by("agency__name", "name")
        )


class OutreachSettingsForm(forms.ModelForm):
    class Meta:
        model = OutreachSettings
        fields = ["clock_hours", "max_attempts", "on_call_case_manager", "low_stock_threshold"]

    def __init__(self, *args, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_call_case_manager"].queryset = case_managers


class OverdoseImportForm(forms.Form):
    file = forms.FileField(label="EMS or dispatch CSV")


class OdmapRangeForm(forms.Form):
    """The days of the ODMAP export, in the program's calendar (both included)."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day comes before the first.")
            elif end - start >= LONGEST_EXPORT:
                self.add_error("end", "Export at most a year at a time.")
        return cleaned

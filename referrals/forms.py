"""Forms: the officer's phone referral, the case manager's status, consent, outcome and task forms."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.core import signing
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html

from deflection.models import PATHWAY_HELP, Agency, Pathway, Program
from deflection.params import validate_sane_year
from referrals.models import (
    CapacityState,
    Circumstance,
    Consent,
    DisclosureLevel,
    EligibilityCriterion,
    ExpiryEvent,
    Handoff,
    OutcomeKind,
    ProviderService,
    ServiceKind,
    Status,
)
from referrals.services import ReferralData

OPENED_SALT = "referrals.form-opened"
NOTE_MAX = 2000


def sign_opened_at(when: datetime.datetime) -> str:
    return signing.dumps(when.timestamp(), salt=OPENED_SALT)


def check_optional_person(form: forms.Form, cleaned: dict, program: Program | None) -> None:
    """The rules for a person who may be left unnamed (the overdose and walk-in forms): a date of birth
    not after the program's today, and both names or neither."""
    dob = cleaned.get("date_of_birth")
    if dob is not None and program is not None and dob > program.today():
        form.add_error("date_of_birth", "The date of birth cannot be in the future.")
    if bool(cleaned.get("first_name", "").strip()) != bool(cleaned.get("last_name", "").strip()):
        form.add_error("last_name", "Give both names, or neither.")


def pathway_choice(value: str) -> str:
    """A pathway's radio label with its one line of help beneath it (the names alone explain little)."""
    return format_html('{}<span class="form-text d-block mt-0">{}</span>', Pathway(value).label, PATHWAY_HELP[value])


def pathways_most_common_first(program: Program) -> list[tuple[str, str]]:
    """The program's pathways, most used first (cached: the order changes slowly)."""
    key = f"referrals:pathway-order:{program.pk}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(program.referrals.values_list("pathway").annotate(n=Count("id")).values_list("pathway", "n"))
        cache.set(key, counts, 3600)
    ordered = sorted(program.pathways, key=lambda p: (-counts.get(p, 0), program.pathways.index(p)))
    return [(p, pathway_choice(p)) for p in ordered]


class ServiceSelect(forms.Select):
    """Each provider option says whether it takes warm hand-offs and whether it is full, for the form's script
    (a warm hand-off offers only providers that take them) and for the server's own check."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        service = getattr(value, "instance", None)
        if service is not None:
            option["attrs"]["data-warm"] = "1" if service.accepts_warm_handoffs else "0"
            option["attrs"]["data-full"] = "1" if service.capacity_state == CapacityState.FULL else "0"
        return option


class ServiceChoiceField(forms.ModelChoiceField):
    widget = ServiceSelect

    def label_from_instance(self, obj):
        # phone and current capacity in the choice itself: the officer calls from the roadside
        warm = " · takes warm hand-offs" if obj.accepts_warm_handoffs else ""
        full = "FULL · " if obj.capacity_state == CapacityState.FULL else ""
        return f"{full}{obj.name} ({obj.agency.name}) · {obj.capacity_label} · {obj.phone}{warm}"


class ReferralForm(forms.Form):
    """The officer's short referral form. Eligibility items are added per program."""

    pathway = forms.ChoiceField(widget=forms.RadioSelect, error_messages={"required": "Choose the pathway."})
    no_name = forms.BooleanField(required=False, label="The person did not give a name")
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Date of birth")
    description = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="If no name: what would help the case manager recognise the person (no medical details).",
    )
    phone = forms.CharField(
        max_length=30,
        required=False,
        label="Contact phone (if any)",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    handoff = forms.ChoiceField(
        choices=Handoff.choices, widget=forms.RadioSelect, label="Hand-off", error_messages={"required": "Choose the hand-off."}
    )
    service = ServiceChoiceField(
        queryset=ProviderService.objects.none(),
        required=False,
        label="Destination provider",
        error_messages={"invalid_choice": "That provider is not in this program's directory. Choose one from the list."},
    )
    location = forms.CharField(max_length=200, required=False, label="Location (optional)")
    circumstances = forms.MultipleChoiceField(
        choices=Circumstance.choices, widget=forms.CheckboxSelectMultiple, required=False, label="Circumstances (optional)"
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note (optional)",
        max_length=NOTE_MAX,
        error_messages={"max_length": f"Keep the note under {NOTE_MAX} characters."},
    )
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "This form was damaged in transit. Reload the page: your draft is kept on this device.",
            "required": "This form was damaged in transit. Reload the page: your draft is kept on this device.",
        },
    )
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    # Set only by the "Send this as a new referral" button of the repeat prompt; never rendered.
    send_as_new = forms.BooleanField(required=False)

    def __init__(self, *args, program: Program, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["pathway"].choices = pathways_most_common_first(program)
        self.fields["service"].queryset = (
            ProviderService.objects.filter(agency__in=program.partners.all(), is_active=True)
            .select_related("agency")
            .order_by("agency__name", "name")
        )
        # The view passes the program's active checklist from referrals.setup (cached between changes).
        if criteria is None:
            criteria = program.criteria.filter(is_active=True).order_by("position", "pk")
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.question,
                choices=[("yes", criterion.answer_label(True)), ("no", criterion.answer_label(False))],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                help_text=criterion.answer_guide,
                error_messages={"required": "Answer this eligibility question."},
            )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            self.initial.setdefault("opened", sign_opened_at(timezone.now()))

    def warm_providers(self) -> list[ProviderService]:
        """The directory's providers that take warm hand-offs, with phone and capacity; full ones marked."""
        return [s for s in self.fields["service"].queryset if s.accepts_warm_handoffs]

    def criterion_fields(self):
        return [self[f"criterion_{c.pk}"] for c in self.criteria]

    def hard_criterion_fields(self):
        """The checklist's required items: the referral cannot go ahead without them."""
        return [self[f"criterion_{c.pk}"] for c in self.criteria if c.is_hard]

    def inclusive_criterion_fields(self):
        """The items that never block and route the referral to the justice partner too."""
        return [self[f"criterion_{c.pk}"] for c in self.criteria if not c.is_hard]

    def clean_date_of_birth(self):
        dob = self.cleaned_data.get("date_of_birth")
        if dob is None:
            return None
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if dob < today.replace(year=today.year - 120):
            raise forms.ValidationError("Check the year: that date of birth is more than 120 years ago.")
        return dob

    def clean_opened(self):
        if not self.cleaned_data.get("opened"):
            return timezone.now()
        try:
            stamp = signing.loads(self.cleaned_data["opened"], salt=OPENED_SALT, max_age=60 * 60 * 24 * 7)
        except signing.BadSignature:
            # A tampered or week-old stamp: count from now rather than refuse the referral.
            return timezone.now()
        return datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("no_name"):
            if not cleaned.get("description"):
                self.add_error("description", "Describe the person so the case manager can find them.")
        else:
            for field in ("first_name", "last_name", "date_of_birth"):
                if not cleaned.get(field) and field not in self.errors:
                    self.add_error(field, 'Required, or tick "did not give a name".')
        handoff = cleaned.get("handoff")
        if handoff in (Handoff.WARM, Handoff.TRANSPORT) and not cleaned.get("service") and "service" not in self.errors:
            self.add_error("service", "Choose where the person is going.")
        if not cleaned.get("service") and self.program.case_management_agency_id is None and "service" not in self.errors:
            self.add_error("service", "This program needs a destination provider for every referral.")
        return cleaned

    def to_data(self) -> ReferralData:
        c = self.cleaned_data
        named = not c.get("no_name")
        return ReferralData(
            pathway=c["pathway"],
            handoff=c["handoff"],
            idempotency_key=c["idempotency_key"],
            form_opened_at=c["opened"],
            send_as_new=bool(c.get("send_as_new")),
            eligibility_answers={crit.pk: c[f"criterion_{crit.pk}"] for crit in self.criteria},
            first_name=c.get("first_name", "").strip() if named else "",
            last_name=c.get("last_name", "").strip() if named else "",
            date_of_birth=c.get("date_of_birth") if named else None,
            description="" if named else c.get("description", ""),
            phone=c.get("phone", ""),
            service=c.get("service"),
            circumstances=tuple(c.get("circumstances") or ()),
            location=c.get("location", ""),
            note=c.get("note", ""),
        )


UNCHANGED = ""


class StatusForm(forms.Form):
    """A status step and/or the next step. Opens on the current status; offers only allowed moves.

    Leaving the status on "unchanged" saves the next step alone (the R-000693 trap: it used to
    reset the status to Received). Going backwards is a separate, explicit "correct a mistake"
    choice that needs a reason.
    """

    status = forms.ChoiceField(required=False, label="Status")
    correct_to = forms.ChoiceField(
        required=False,
        label="Correct a mistake: set the status back to",
        help_text="Only to undo a wrong entry. Give the reason in the note; the history shows it as a correction.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why, or what happened (kept encrypted; never shown to officers).",
    )
    service_kind = forms.ChoiceField(choices=[("", "—")] + ServiceKind.choices, required=False, label="Treatment (when engaged)")
    next_step = forms.CharField(max_length=200, required=False)
    next_step_owner = forms.ModelChoiceField(queryset=None, required=False)
    next_step_due = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    def __init__(self, *args, owners, referral, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "next_step": referral.next_step,
                "next_step_owner": referral.next_step_owner_id,
                "next_step_due": referral.next_step_due,
            },
        )
        super().__init__(*args, **kwargs)
        self.referral = referral
        current = Status(referral.status)
        self.fields["status"].choices = [(UNCHANGED, f"{current.label} (unchanged)")] + [
            (s, f"{Status(s).label} (another)" if s == current else Status(s).label) for s in referral.allowed_next_statuses()
        ]
        self.fields["correct_to"].choices = [(UNCHANGED, "— no correction —")] + [
            (s, Status(s).label) for s in referral.correction_targets()
        ]
        self.fields["next_step_owner"].queryset = owners

    @property
    def target_status(self) -> str:
        return self.cleaned_data.get("correct_to") or self.cleaned_data.get("status") or UNCHANGED

    @property
    def is_correction(self) -> bool:
        return bool(self.cleaned_data.get("correct_to"))

    def clean(self):
        cleaned = super().clean()
        status, correct_to = cleaned.get("status"), cleaned.get("correct_to")
        if status and correct_to:
            self.add_error("correct_to", "Choose either the next status or a correction, not both.")
        if correct_to and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Say why the status is being corrected.")
        if not status and not correct_to and (cleaned.get("note") or "").strip():
            self.add_error("note", "A note goes with a status step. Choose the new status, or leave the note empty.")
        if (correct_to or status) == Status.ENGAGED and not cleaned.get("service_kind"):
            self.add_error("service_kind", "Which treatment did the person engage in?")
        if cleaned.get("next_step") and not (cleaned.get("next_step_owner") and cleaned.get("next_step_due")):
            self.add_error("next_step", "A next step needs an owner and a due date.")
        return cleaned


class ConsentForm(forms.ModelForm):
    """Every 42 CFR 2.31(a) element is a required field; an incomplete consent is rejected."""

    recipient_officer_named = forms.BooleanField(required=False, label="The referring officer")
    recipient_agency_named = forms.BooleanField(required=False, label="The referring officer's agency")
    signature_drawing = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Consent
        fields = [
            "disclosing_agency",
            "information_description",
            "level",
            "purpose",
            "revocation_terms",
            "expires_on",
            "expiry_event_kind",
            "expiry_event",
            "signature_name",
            "signature_ticked",
            "signed_on",
        ]
        labels = {
            "disclosing_agency": "Who may disclose",
            "information_description": "What information, specifically",
            "level": "Level the recipients may receive",
            "revocation_terms": "The right to revoke, and how",
            "expires_on": "Expires on",
            "expiry_event_kind": "…or expires at this event",
            "expiry_event": "The event in the participant's words (optional)",
            "signature_name": "Participant's typed name (signature)",
            "signature_ticked": "The participant signed by ticking this box (witnessed by me)",
            "signed_on": "Date signed",
        }
        # The legal text is read by the participant before signing: its boxes grow to show all of it
        # (.legal-text in deflection.css); the typed name is one line, like a name.
        widgets = {
            "information_description": forms.Textarea(attrs={"rows": 3, "class": "legal-text"}),
            "purpose": forms.Textarea(attrs={"rows": 3, "class": "legal-text"}),
            "revocation_terms": forms.Textarea(attrs={"rows": 5, "class": "legal-text"}),
            "expiry_event": forms.TextInput(),
            "signature_name": forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
            "signed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["disclosing_agency"].queryset = Agency.objects.filter(pk=referral.provider_id)
        self.fields["disclosing_agency"].initial = referral.provider_id
        self.fields["level"].choices = DisclosureLevel.choices
        self.fields["information_description"].initial = (
            "Whether I engaged in treatment and my program status after the referral of "
            f"{referral.program.local_date(referral.created_at):%B %-d, %Y}."
        )
        self.fields["purpose"].initial = "To let the referring officer know the outcome of the referral (program feedback)."
        self.fields["revocation_terms"].initial = (
            "I may revoke this consent at any time, in writing or by telling my case manager, except to the extent "
            "that action has already been taken in reliance on it."
        )
        # A legal date: the program's local calendar day, whatever the UTC date is.
        self.fields["signed_on"].initial = referral.program.today()
        for name in (
            "disclosing_agency",
            "information_description",
            "level",
            "purpose",
            "revocation_terms",
            "signature_name",
            "signed_on",
        ):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = (
                "Required by 42 CFR 2.31: " + (self.fields[name].label or name).lower() + "."
            )

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > self.referral.program.today():
            raise forms.ValidationError("The signature date cannot be in the future.")
        validate_sane_year(signed_on)  # year 1 is a typo, not a consent
        return signed_on

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("recipient_officer_named") or cleaned.get("recipient_agency_named")):
            raise forms.ValidationError("Name at least one recipient: the referring officer and/or their agency.")
        if cleaned.get("expiry_event_kind") == ExpiryEvent.OTHER and not cleaned.get("expiry_event"):
            self.add_error("expiry_event", "Describe the event the consent expires on.")
        if not cleaned.get("expires_on") and not cleaned.get("expiry_event_kind"):
            self.add_error("expires_on", "Required by 42 CFR 2.31: an expiry date or event.")
        if cleaned.get("expires_on") and cleaned.get("signed_on") and cleaned["expires_on"] < cleaned["signed_on"]:
            self.add_error("expires_on", "The consent cannot expire before it was signed.")
        if not cleaned.get("signature_ticked") and not cleaned.get("signature_drawing"):
            self.add_error("signature_ticked", "Required by 42 CFR 2.31: a signature (drawn, or the tick box).")
        drawing = cleaned.get("signature_drawing") or ""
        if drawing and (not drawing.startswith("data:image/png;base64,") or len(drawing) > 200_000):
            self.add_error("signature_ticked", "The drawn signature could not be read; draw it again or use the tick box.")
        return cleaned

    def consent_fields(self) -> dict:
        c = self.cleaned_data
        return {
            "disclosing_agency": c["disclosing_agency"],
            "information_description": c["information_description"],
            "level": c["level"],
            "recipient_officer": self.referral.officer if c.get("recipient_officer_named") else None,
            "recipient_agency": self.referral.agency if c.get("recipient_agency_named") else None,
            "purpose": c["purpose"],
            "revocation_terms": c["revocation_terms"],
            "expires_on": c.get("expires_on"),
            "expiry_event_kind": c.get("expiry_event_kind", ""),
            "expiry_event": c.get("expiry_event", ""),
            "signature_name": c["signature_name"],
            "signature_drawing": c.get("signature_drawing", ""),
            "signature_ticked": c.get("signature_ticked", False),
            "signed_on": c["signed_on"],
        }


class OutcomeForm(forms.Form):
    # No default: an outcome is recorded only as someone chose it (it used to open on "Re-arrest").
    kind = forms.ChoiceField(choices=[("", "Choose the outcome…")] + OutcomeKind.choices, label="Outcome")
    occurred_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return value


class ExpiryEventForm(forms.Form):
    """Record the event that some consents expire on; recording it ends them."""

    event = forms.ChoiceField(choices=ExpiryEvent.choices, label="Event")
    occurred_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="It happened on")

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return value


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), validators=[validate_sane_year])


class CapacityForm(forms.Form):
    state = forms.ChoiceField(choices=CapacityState.choices)
    open_slots = forms.IntegerField(min_value=0, max_value=10_000, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("state") == CapacityState.OPEN and not cleaned.get("open_slots"):
            self.add_error("open_slots", "How many slots or beds are open?")
        return cleaned


class CriterionForm(forms.ModelForm):
    class Meta:
        model = EligibilityCriterion
        fields = ["question", "kind", "required_answer", "failure_guidance", "position", "is_active"]
        labels = {"required_answer": "For a required item: the answer must be Yes"}

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_question(self):
        # The unique constraint names the program, which is not a form field, so Django's own
        # check skips it; without this a repeated question reached the database and answered 500.
        question = self.cleaned_data["question"].strip()
        repeated = EligibilityCriterion.objects.filter(program=self.program, question=question)
        if self.instance.pk:
            repeated = repeated.exclude(pk=self.instance.pk)
        if repeated.exists():
            raise forms.ValidationError("The checklist already has this question. Edit that one instead.")
        return question

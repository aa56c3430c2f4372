"""Forms for suggestions, triage, surveys, highlights, case managers' messages and participants' letters.

They parse input; the services decide.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from deflection.models import Agency, Program, Role
from feedback.models import HighlightKind, LetterPermission, QuestionKind, SuggestionStatus, Survey
from feedback.services import (
    CHECKLIST_OPEN_QUESTIONS,
    LETTER_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    OPEN_ANSWER_MAX_CHARS,
    SUGGESTION_MAX_CHARS,
    UPLOAD_TYPES,
)
from feedback.uploads import check_upload

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ProgramChoiceMixin:
    """A program field that is hidden when the user belongs to only one program."""

    def _set_programs(self, programs: list[Program]) -> None:
        field = self.fields["program"]
        field.queryset = Program.objects.filter(pk__in=[p.pk for p in programs]).order_by("name")
        if len(programs) == 1:
            field.initial = programs[0].pk
            field.widget = forms.HiddenInput()


class SuggestionForm(ProgramChoiceMixin, forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label=None)
    text = forms.CharField(
        label="Your suggestion",
        max_length=SUGGESTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "data-draft": "suggestion-text"}),
        help_text="What would make deflection work better for you and your colleagues? Please leave out "
        "the names of people you have referred.",
    )
    anonymous = forms.BooleanField(
        label="Send anonymously",
        required=False,
        help_text="Your name is not stored with it, not even for the program. You will find the answer "
        "under “You said, we did”, not under your own suggestions.",
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_programs(programs)


class TriageForm(forms.Form):
    status = forms.ChoiceField(choices=SuggestionStatus.choices, widget=forms.RadioSelect)
    response = forms.CharField(
        label="Public response",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Everyone in the program sees this. Adopted and declined suggestions need one.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") in SuggestionStatus.decisions() and not (cleaned.get("response") or "").strip():
            self.add_error(
                "response",
                "Say what the program did, or why not: adopted and declined suggestions need a public response.",
            )
        return cleaned


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


SURVEY_ROLES = [(r.value, r.label) for r in Role if r != Role.ADMINISTRATOR]


class SurveyForm(ProgramChoiceMixin, forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label=None)
    title = forms.CharField(max_length=120, initial="Officer survey")
    intro = forms.CharField(
        label="Introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or two sentences on why you are asking.",
    )
    anonymous = forms.BooleanField(
        required=False, initial=True, help_text="Answers hold no author; you learn only who has answered."
    )
    roles = forms.MultipleChoiceField(
        label="Ask these roles",
        choices=SURVEY_ROLES,
        widget=forms.CheckboxSelectMultiple,
        initial=[Role.OFFICER, Role.DISPATCHER, Role.SUPERVISOR],
    )
    agencies = forms.ModelMultipleChoiceField(
        label="At these agencies", queryset=Agency.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.DateTimeField(
        label="Opens",
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="In the program's time zone. Everyone asked gets one reminder email when it opens.",
    )
    closes_at = forms.DateTimeField(
        label="Closes",
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Results are shown once it closes.",
    )
    scale_questions = forms.CharField(
        label="Scale questions (answered 1 to 5), one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="How easy is it to make a deflection referral?\nHow well do you understand what happens after a referral?",
    )
    open_questions = forms.CharField(
        label="Open questions, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="\n".join(CHECKLIST_OPEN_QUESTIONS),
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_programs(programs)
        agency_ids = set()
        for program in programs:
            agency_ids |= program.agency_ids()
        self.fields["agencies"].queryset = Agency.objects.filter(pk__in=agency_ids).order_by("name")
        self.fields["agencies"].initial = list(agency_ids)

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", "The survey must close after it opens.")
        cleaned["scale_question_list"] = _lines(cleaned.get("scale_questions", ""))
        cleaned["open_question_list"] = _lines(cleaned.get("open_questions", ""))
        if not cleaned["scale_question_list"] and not cleaned["open_question_list"]:
            raise ValidationError("Add at least one question.")
        return cleaned


SCALE_CHOICES = [("1", "1 (lowest)"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 (highest)")]


class SurveyAnswerForm(forms.Form):
    """One field per question, named q<id>; every question may be skipped, but not all of them."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        for question in survey.questions.all():
            if question.kind == QuestionKind.SCALE:
                field = forms.ChoiceField(label=question.text, choices=SCALE_CHOICES, required=False, widget=forms.RadioSelect)
            else:
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=OPEN_ANSWER_MAX_CHARS,
                    widget=forms.Textarea(attrs={"rows": 3, "data-draft": f"survey-{survey.pk}-q{question.pk}"}),
                )
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> dict[int, object]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def clean(self):
        cleaned = super().clean()
        if not any(value not in (None, "") for value in cleaned.values()):
            raise ValidationError("Answer at least one question.")
        return cleaned


class HighlightForm(ProgramChoiceMixin, forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label=None)
    kind = forms.ChoiceField(choices=HighlightKind.choices, widget=forms.RadioSelect, initial=HighlightKind.FINDING)
    title = forms.CharField(max_length=150)
    body = forms.CharField(
        label="Text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The finding in a few sentences, or a caption for the chart, link or file.",
    )
    url = forms.URLField(label="Link", required=False, assume_scheme="https", max_length=500)
    upload = forms.FileField(
        label="File",
        required=False,
        help_text="PNG or JPEG for a chart; PNG, JPEG or PDF for a file. At most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"}),
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_programs(programs)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == HighlightKind.FINDING and not (cleaned.get("body") or "").strip():
            self.add_error("body", "Write the finding.")
        if kind == HighlightKind.LINK and not cleaned.get("url") and "url" not in self.errors:
            self.add_error("url", "Give the web address.")
        if kind in UPLOAD_TYPES:
            upload = cleaned.get("upload")
            if upload is None:
                if "upload" not in self.errors:
                    self.add_error("upload", "Choose a file to upload.")
            else:
                try:
                    check_upload(upload, allowed=UPLOAD_TYPES[kind])
                except ValidationError as exc:
                    self.add_error("upload", exc)
        return cleaned


UPLOAD_ACCEPT = ".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message to the referring officer",
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A sentence or two, within what the consent allows. No surname, no address, no diagnosis. "
        "The officer gets an email with a link only, and reads it after signing in.",
    )
    # One per form load: a double tap or a retried POST sends one message (SECURITY.md 20).
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class LetterForm(forms.Form):
    text = forms.CharField(
        label="The letter, typed",
        required=False,
        max_length=LETTER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Type it as the participant wrote it, or upload a photo or scan below (or both).",
    )
    upload = forms.FileField(
        label="Photo or scan",
        required=False,
        help_text="PNG or JPEG image, or a PDF. At most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )
    permission = forms.ChoiceField(
        label="The participant allows it to go", choices=LetterPermission.choices, widget=forms.RadioSelect
    )
    permission_confirmed = forms.BooleanField(
        label="The participant gave this permission, and knows a coordinator reviews the letter first",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if not (cleaned.get("text") or "").strip() and upload is None and "upload" not in self.errors:
            raise ValidationError("Type the letter, or upload a photo or scan of it.")
        if upload is not None:
            try:
                check_upload(upload)
            except ValidationError as exc:
                self.add_error("upload", exc)
        return cleaned


class LetterReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", "Approve as it is"),
            ("redact", "Redact: publish the edited text below, keep the original restricted"),
            ("reject", "Reject: nobody outside the treatment team sees it"),
        ],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Text others may read",
        required=False,
        max_length=LETTER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="For a redaction: the letter with names, places and anything the consent does not cover taken out. "
        "For a scan, type an anonymised version here.",
    )
    include_in_newsletter = forms.BooleanField(
        label="Include in the newsletter (anonymised)",
        required=False,
        help_text="Only if the participant allowed it. The newsletter prints this text, never the scan.",
    )
    note = forms.CharField(
        label="Note for the case manager",
        required=False,
        max_length=300,
        help_text="Why it was rejected, or what was taken out.",
    )

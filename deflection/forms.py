"""Forms for sign-in and program settings."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils import timezone

from deflection.models import AuditEvent, Pathway, Program, ProgramType

LOCKED_MESSAGE = (
    "This account is locked for 15 minutes after too many failed sign-ins. "
    "Try again later, or ask your program administrator to help."
)


def recent_login_failures(username: str) -> int:
    since = timezone.now() - settings.LOGIN_FAILURE_WINDOW
    return AuditEvent.objects.filter(actor_username=username[:150], action="login.failed", at__gte=since).count()


def is_locked_out(username: str) -> bool:
    return recent_login_failures(username) >= settings.LOGIN_FAILURE_LIMIT


class LoginForm(AllauthLoginForm):
    """allauth's login, with lockout counted per account, never per address (SECURITY.md 11)."""

    def clean(self):
        username = (self.cleaned_data.get("login") or "").strip()
        if username and is_locked_out(username):
            from deflection.audit import audit_log  # noqa: PLC0415

            audit_log(action="login.locked", request=self.request, username=username, outcome="denied")
            raise forms.ValidationError(LOCKED_MESSAGE)
        return super().clean()


class ProgramSettingsForm(forms.ModelForm):
    pathways = forms.MultipleChoiceField(
        choices=Pathway.choices, widget=forms.CheckboxSelectMultiple, help_text="The pathways this program offers."
    )
    program_types = forms.MultipleChoiceField(choices=ProgramType.choices, widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = Program
        fields = [
            "goals",
            "purpose",
            "pathways",
            "program_types",
            "time_zone",
            "booking_baseline_minutes",
            "first_contact_target_hours",
            "suppression_threshold",
        ]
        widgets = {"goals": forms.Textarea(attrs={"rows": 4}), "purpose": forms.Textarea(attrs={"rows": 4})}

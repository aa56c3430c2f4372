"""Forms for sign-in and program settings."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm as AllauthMFAAuthenticateForm
from django import forms

from deflection.audit import audit_log
from deflection.lockout import LOCKED_MESSAGE, canonical_username, is_locked
from deflection.models import AuditOutcome, Pathway, Program, ProgramType


def _refuse_locked(request, username: str) -> None:
    audit_log(action="login.locked", request=request, username=canonical_username(username) or "", outcome=AuditOutcome.DENIED)
    raise forms.ValidationError(LOCKED_MESSAGE, code="locked")


class LoginForm(AllauthLoginForm):
    """allauth's login. A locked account is refused before its password is tried (deflection.lockout)."""

    def clean(self):
        username = (self.cleaned_data.get("login") or "").strip()
        if username and is_locked(self.request, username):
            _refuse_locked(self.request, username)
        return super().clean()


class MFAAuthenticateForm(AllauthMFAAuthenticateForm):
    """allauth's second-factor step. A locked account gets no code checked, right or wrong;
    a wrong code counts toward the lockout (deflection.signals.count_failed_second_factor)."""

    def clean_code(self):
        request = context.request  # allauth's request, set by its AccountMiddleware
        if is_locked(request, self.user.get_username()):
            clear_login(request)  # the half-finished sign-in ends; the next attempt starts over, and is refused
            _refuse_locked(request, self.user.get_username())
        return super().clean_code()


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
            "warm_handoff_ack_target_minutes",
            "first_contact_target_hours",
            "engagement_target_days",
            "assignment",
            "suppression_threshold",
        ]
        widgets = {"goals": forms.Textarea(attrs={"rows": 4}), "purpose": forms.Textarea(attrs={"rows": 4})}

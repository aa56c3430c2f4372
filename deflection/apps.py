from django import forms
from django.apps import AppConfig

from deflection import params


class DeflectionConfig(AppConfig):
    name = "deflection"
    verbose_name = "Deflection program"

    def ready(self) -> None:
        # `<id:pk>` must exist before the first URLconf is loaded.
        params.register()
        # One rule for every date anyone types (issue 10): each DateField and DateTimeField of every form,
        # ModelForms, the admin and the API's forms included, refuses a year outside params.SANE_YEARS
        # (year 9999 in Chicago is year 10000 in UTC, which Python cannot read back: a 500 on every page
        # that shows it). default_validators is the hook Django gives form fields for this.
        forms.DateField.default_validators = [params.validate_sane_year]
        forms.DateTimeField.default_validators = [params.validate_sane_year]
        from deflection import signals  # noqa: F401, PLC0415  (connects the login audit receivers)

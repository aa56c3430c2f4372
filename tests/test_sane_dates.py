"""Every date field of every form refuses years nobody means (issue 10): year 1 and year 9999 are typos,
and a local time late in year 9999 is year 10000 in UTC, which PostgreSQL stores and Python cannot read."""

import importlib
import pkgutil
from datetime import datetime, timedelta

import pytest
from django import forms
from django.urls import reverse

import deflection
import feedback
import referrals
import reports
import training
from deflection.params import validate_sane_year
from feedback.models import Survey


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for package in (deflection, referrals, training, feedback, reports):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".tests" in module.name or ".migrations" in module.name or module.name.endswith("settings"):
                continue
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"deflection", "referrals", "training", "feedback", "reports"}:
            found.append(cls)
    return found


def test_every_date_field_of_every_form_checks_the_year():
    checked = 0
    for form_class in _all_form_classes():
        for name, field in getattr(form_class, "base_fields", {}).items():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                assert validate_sane_year in field.validators, f"{form_class.__module__}.{form_class.__name__}.{name}"
                checked += 1
    assert checked >= 10  # the walk found the project's forms (consent, tasks, sessions, surveys, API keys ...)


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_a_survey_in_an_absurd_year_is_a_400_and_nothing_is_saved(client, world, year):
    client.force_login(world.coordinator)
    today = world.program.today()
    data = {
        "program": world.program.pk,
        "title": "Spring survey",
        "intro": "",
        "anonymous": "on",
        "roles": ["officer"],
        "agencies": [world.police.pk],
        "opens_at": f"{today:%Y-%m-%d}T08:00",
        "closes_at": f"{year}-12-31T23:30",
        "scale_questions": "How easy is a referral?",
        "open_questions": "",
    }
    response = client.post(reverse("feedback:survey_new"), data)
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2200." in response.content.decode()
    assert not Survey.objects.exists()


def test_a_plausible_date_still_passes():
    validate_sane_year(datetime(2026, 11, 28) + timedelta(days=365 * 100))

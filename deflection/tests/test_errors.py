"""The one view helper: bad input goes on the form, any other refusal above it, with the error's status."""

import pytest
from django import forms
from django.test import RequestFactory

from deflection.errors import ServiceError, refusal_response


class TextForm(forms.Form):
    text = forms.CharField(required=False)


@pytest.fixture(autouse=True)
def page_template(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {"page.html": "{{ refusal }} {{ form }}"})]},
        }
    ]


def _render(error, form):
    request = RequestFactory().post("/", {"text": "x"})
    context = {"form": form}
    return refusal_response(request, error, "page.html", context, form=form, field="text"), context


def test_bad_input_is_a_400_beside_the_field():
    form = TextForm({"text": "x"})
    response, context = _render(ServiceError("Write the message first."), form)
    assert response.status_code == 400
    assert form.errors["text"] == ["Write the message first."]
    assert "refusal" not in context


def test_a_refusal_keeps_its_status_and_is_shown_above_the_form():
    form = TextForm({"text": "x"})
    response, context = _render(ServiceError("No consent covers this.", status=403, code="consent_required"), form)
    assert response.status_code == 403
    assert context["refusal"] == "No consent covers this."
    assert not form.errors

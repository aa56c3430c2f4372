"""Recording a consent: every 42 CFR 2.31 element or a clear refusal; a printable PDF with the 2.32 notice."""

import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals.models import Consent
from referrals.tests.factories import ReferralFactory


@pytest.fixture
def referral(rworld):
    return ReferralFactory(
        program=rworld.program,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        participant__first_name="Riley",
        participant__last_name="Stone",
    )


def complete(rworld, **overrides):
    data = {
        "disclosing_agency": rworld.provider.pk,
        "information_description": "Whether I engaged in treatment.",
        "level": "status",
        "recipient_officer_named": "on",
        "purpose": "Feedback to the referring officer.",
        "revocation_terms": "I can revoke by telling my case manager.",
        "expires_on": (rworld.program.today() + timezone.timedelta(days=365)).isoformat(),
        "signature_name": "Riley Stone",
        "signature_ticked": "on",
        "signed_on": rworld.program.today().isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"information_description": None}, "Required by 42 CFR 2.31: what information, specifically."),
        ({"purpose": None}, "Required by 42 CFR 2.31: purpose."),
        ({"revocation_terms": None}, "Required by 42 CFR 2.31: the right to revoke, and how."),
        ({"expires_on": None}, "Required by 42 CFR 2.31: an expiry date or event."),
        ({"signature_name": None}, "Required by 42 CFR 2.31: participant&#x27;s typed name (signature)."),
        ({"signature_ticked": None}, "Required by 42 CFR 2.31: a signature (drawn, or the tick box)."),
        ({"signed_on": None}, "Required by 42 CFR 2.31: date signed."),
        ({"recipient_officer_named": None}, "Name at least one recipient"),
        ({"disclosing_agency": "99999"}, "Select a valid choice"),
        ({"signed_on": "2199-01-01"}, "cannot be in the future"),
        ({"signed_on": "0001-01-01"}, "Enter a date between 1900 and 2200."),
    ],
)
def test_incomplete_consent_is_rejected_with_a_clear_message(client, rworld, referral, overrides, message):
    client.force_login(rworld.case_manager)
    response = client.post(reverse("referrals:consent_new", args=[referral.pk]), complete(rworld, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Consent.objects.exists()


def test_complete_consent_is_recorded_audited_and_printable(client, rworld, referral, tmp_path):
    client.force_login(rworld.case_manager)
    response = client.post(
        reverse("referrals:consent_new", args=[referral.pk]),
        complete(rworld, expiry_event_kind="program_exit", expiry_event="End of program participation"),
    )
    consent = Consent.objects.get()
    assert response.url == reverse("referrals:consent", args=[consent.pk])
    assert consent.recipient_officer == rworld.officer and consent.recipient_agency is None
    assert consent.witnessed_by == rworld.case_manager
    assert AuditEvent.objects.filter(action="consent.create").exists()
    pdf = client.get(reverse("referrals:consent_pdf", args=[consent.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "consent.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for element in (
        "Riley Stone",
        "Who may disclose",
        "Harbor Light",
        "To whom",
        "Purpose",
        "Right to revoke",
        "Expires",
        "End of program participation",
        "Signature",
        "Date",
        "42 CFR 2.32",
    ):
        assert element in text, element
    assert AuditEvent.objects.filter(action="consent.pdf").exists()


def test_drawn_signature_is_accepted_and_bad_drawings_refused(client, rworld, referral):
    client.force_login(rworld.case_manager)
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    bad = client.post(
        reverse("referrals:consent_new", args=[referral.pk]),
        complete(rworld, signature_ticked=None, signature_drawing="javascript:alert(1)"),
    )
    assert bad.status_code == 400 and b"could not be read" in bad.content
    ok = client.post(
        reverse("referrals:consent_new", args=[referral.pk]), complete(rworld, signature_ticked=None, signature_drawing=png)
    )
    assert ok.status_code == 302
    consent = Consent.objects.get()
    assert client.get(reverse("referrals:consent_pdf", args=[consent.pk])).status_code == 200


def test_officer_cannot_record_or_read_consents(client, rworld, referral):
    client.force_login(rworld.officer)
    assert client.get(reverse("referrals:consent_new", args=[referral.pk])).status_code == 404

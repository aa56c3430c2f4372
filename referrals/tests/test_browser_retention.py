"""In real Chromium at a phone viewport: a coordinator puts a record on legal hold with a reason, then lifts it."""

import datetime

import pytest
from django.utils import timezone

from conftest import browser_login
from deflection.models import AuditEvent
from referrals import retention
from referrals.models import LegalHold, Participant
from referrals.tests.factories import ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.browser


def test_coordinator_holds_and_lifts_a_record_on_a_phone(phone, rworld):
    long_ago = timezone.now() - datetime.timedelta(days=365 * 7)
    person = ParticipantFactory(program=rworld.program, first_name="Ancient", created_at=long_ago)
    referral = ReferralFactory(
        program=rworld.program, participant=person, officer=rworld.officer, created_at=long_ago, status_changed_at=long_ago
    )
    browser_login(phone, "coordinator", rworld.password)
    phone.goto(f"/programs/{rworld.program.pk}/")
    phone.get_by_role("link", name="Retention and legal holds").tap()
    assert "No record is on legal hold." in phone.get_by_role("region", name="Records on legal hold").inner_text()

    # A reason is required: the browser asks for it before anything is sent.
    phone.get_by_label("Referral reference").fill(referral.reference)
    phone.get_by_role("button", name="Put on legal hold").tap()
    assert not LegalHold.objects.exists()
    phone.get_by_label("Reason", exact=True).fill("Records request from the public defender, case 24-CR-77")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Put on legal hold").tap()
    assert "is on legal hold" in phone.get_by_role("status").inner_text()
    holds = phone.get_by_role("region", name="Records on legal hold")
    assert f"P-{person.pk}" in holds.inner_text() and "24-CR-77" in holds.inner_text()
    assert "Ancient" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert Participant.objects.get(pk=person.pk).legal_hold
    assert retention.retention_apply(program=rworld.program) == 0

    phone.get_by_label(f"Reason for lifting P-{person.pk}").fill("Case closed")
    with phone.expect_navigation():
        phone.get_by_role("button", name=f"Lift hold on P-{person.pk}").tap()
    assert "is lifted" in phone.get_by_role("status").inner_text()
    assert "No record is on legal hold." in phone.get_by_role("region", name="Records on legal hold").inner_text()
    assert not Participant.objects.get(pk=person.pk).legal_hold
    assert list(
        AuditEvent.objects.filter(action__startswith="participant.legal_hold").order_by("pk").values_list("action", flat=True)
    ) == [
        "participant.legal_hold",
        "participant.legal_hold_lifted",
    ]

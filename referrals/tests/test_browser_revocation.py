"""Revocation reaches the browser's own cache (issue 11, SECURITY.md 3 and 29), in real Chromium on a phone.

The officer reads a consented status on My referrals and moves on; the consent is revoked; the officer
presses Back. A page kept by the browser (its back/forward or disk cache) would still show the status.
Every signed-in page is `no-store`, so Back asks the server again and gets "Received by the program".
"""

import pytest
from django.utils import timezone

from conftest import browser_login
from referrals import services
from referrals.disclosure import RECEIVED_ONLY
from referrals.models import DisclosureLevel, Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.browser

SHOWN = "Engaged in treatment"


def test_back_after_a_revocation_shows_only_received(phone, rworld):
    person = ParticipantFactory(program=rworld.program, first_name="Casey", last_name="Quinn")
    ReferralFactory(
        program=rworld.program,
        participant=person,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.ENGAGED,
        engaged_at=timezone.now(),
    )
    consent = ConsentFactory(
        participant=person,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
        recipient_officer=rworld.officer,
        level=DisclosureLevel.STATUS,
    )
    browser_login(phone, "officer", rworld.password)
    phone.goto("/referrals/mine/")
    assert SHOWN in phone.content()
    phone.goto("/feedback/suggestions/")  # the officer moves on
    services.consent_revoke(consent=consent, by=rworld.case_manager)
    phone.go_back()
    phone.wait_for_url("**/referrals/mine/")
    body = phone.content()
    assert SHOWN not in body
    assert RECEIVED_ONLY in body

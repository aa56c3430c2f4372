"""Revocation reaches everything (issue 11, SECURITY.md 3): once a consent is revoked, no surface still tells
the officer what it allowed.

One referral, disclosed to its officer under a consent at "status and service": a status change (with its
notice and the notice's email), a case manager's message (and its email), an approved letter with its scan,
the unread count, the weekly digest and the API's status answer. The officer looks at all of it while the
consent is in force, with the real Redis cache warm (every page the officer can reach is crawled, the
reports included). Then the consent is revoked, and each surface is asked again:

- pages: My referrals, the officer's home (the unread count), the outcome feed, the message, the letter
  and its scan, and every other page the officer reaches by following links, through the same cache;
- the emails still due: the status notice's and the message's (a retry, a redelivery or the coordinator's
  "send again" comes after the revocation), and the weekly digest;
- the API's status answer, which must also forbid any client cache from keeping it;
- the browser: every response is `no-store`, so Back re-asks the server (the Chromium test in
  referrals/tests/test_browser_revocation.py proves that in a real browser).

And no disclosure record is written after the revocation, by any of them.
"""

import base64
import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from feedback import services as feedback_services
from feedback.models import CaseManagerMessage, DeliveryStatus, FileType, LetterPermission, LetterScan, WeeklyDigest
from feedback.tests.factories import ParticipantLetterFactory, approve_letter
from referrals import disclosure
from referrals import services as referral_services
from referrals.api.tests.conftest import auth, badge, make_token
from referrals.models import DisclosureLevel, OfficerNotice, ServiceKind, Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory
from tests.urlwalk import crawl

STATUS_SHOWN = "Engaged in treatment (Medication for opioid use disorder (MOUD))"
MESSAGE = "He has stayed with the MOUD clinic for 60 days."
LETTER = "Thank you for driving me to detox that night, I am still going."
PDF = b"%PDF-1.7\n" + b"\x00" * 64
SECRETS = (STATUS_SHOWN, MESSAGE, LETTER)


@pytest.fixture
def disclosed(world):
    """A referral of `world.officer`, engaged last week, with a message and a letter, under a live consent."""
    program = world.program
    program.case_management_agency = world.provider
    program.save(update_fields=["case_management_agency"])
    now = timezone.now()
    _week, week_start, _week_end = feedback_services.digest_week(program, now)
    person = ParticipantFactory(program=program, first_name="Casey", last_name="Quinn", created_by=world.officer)
    referral = ReferralFactory(
        program=program,
        participant=person,
        officer=world.officer,
        agency=world.police,
        provider=world.provider,
        status=Status.CONTACTED,
        created_at=now - datetime.timedelta(days=40),
    )
    consent = ConsentFactory(
        participant=person,
        disclosing_agency=world.provider,
        witnessed_by=world.case_manager,
        recipient_officer=world.officer,
        level=DisclosureLevel.STATUS_AND_SERVICE,
        expires_on=program.today() + datetime.timedelta(days=90),
    )
    # Through the services, as a case manager does it: the status change leaves a notice and its email due.
    referral_services.referral_set_status(
        referral=referral,
        by=world.case_manager,
        status=Status.ENGAGED,
        service_kind=ServiceKind.MOUD,
        at=week_start + datetime.timedelta(hours=12),
    )
    message = feedback_services.message_send(
        referral=referral, sender=world.case_manager, text=MESSAGE, idempotency_key="6a1f0c3e-3f5e-4a55-9d0b-3c1c6f7b2e11"
    )
    letter = ParticipantLetterFactory(
        referral=referral,
        recorded_by=world.case_manager,
        original_text=LETTER,
        scan_type=FileType.PDF,
        permission=LetterPermission.OFFICER,
    )
    LetterScan.objects.create(letter=letter, file_type=FileType.PDF, size=len(PDF), data=base64.b64encode(PDF).decode())
    approve_letter(letter, world.coordinator)
    return referral, consent, message, letter


def _pages(referral, message, letter):
    return {
        "home": reverse("referrals:officer_home"),
        "feed": reverse("feedback:feed"),
        "message": reverse("feedback:message", args=[message.pk]),
        "letter": reverse("feedback:letter", args=[letter.pk]),
        "scan": reverse("feedback:letter_scan", args=[letter.pk]),
    }


def _crawl_officer(client):
    """Every page the officer reaches from the start page: (path, status, body, Cache-Control)."""
    return [
        (path, response.status_code, response.content.decode(errors="replace"), response.get("Cache-Control", ""))
        for path, response, _page in crawl(client, ["/", reverse("feedback:feed"), reverse("reports:dashboard")], limit=200)
    ]


def test_after_revocation_no_page_feed_count_email_digest_api_answer_or_cache_shows_it(client, world, disclosed):
    referral, consent, message, letter = disclosed
    pages = _pages(referral, message, letter)
    token = make_token(world, world.police)
    api_url = f"/api/v1/referrals/{referral.pk}/status?badge_number={badge(world.officer, world.police)}"
    client.force_login(world.officer)

    # While the consent is in force, every surface shows what it allows (the positive control).
    assert disclosure.unread_notice_count(world.officer) == 1
    assert "1 update on your referrals" in client.get(pages["home"]).content.decode()
    feed = client.get(pages["feed"]).content.decode()
    assert STATUS_SHOWN in feed and MESSAGE in feed
    assert MESSAGE in client.get(pages["message"]).content.decode()
    assert LETTER in client.get(pages["letter"]).content.decode()
    assert client.get(pages["scan"]).content == PDF
    assert client.get(api_url, **auth(token)).json()["status"] == STATUS_SHOWN
    before = _crawl_officer(client)  # warms every cache the officer's pages use (reports included)
    assert any(STATUS_SHOWN in body for _p, _s, body, _c in before)
    assert len(before) > 10

    assert referral_services.consent_revoke(consent=consent, by=world.case_manager)
    disclosures_at_revocation = AuditEvent.objects.filter(action="disclosure").count()

    # Pages and the unread count.
    assert disclosure.unread_notice_count(world.officer) == 0
    assert "update on your referrals" not in client.get(pages["home"]).content.decode()
    feed = client.get(pages["feed"]).content.decode()
    assert not any(secret in feed for secret in SECRETS)
    for name in ("message", "letter", "scan"):
        assert client.get(pages[name]).status_code == 404, name
    mine = client.get(reverse("referrals:mine")).content.decode()
    assert disclosure.RECEIVED_ONLY in mine and STATUS_SHOWN not in mine

    # Every page the officer can reach, through the same warm cache; each one no-store for the browser.
    after = _crawl_officer(client)
    assert len(after) > 10
    leaks = [path for path, _s, body, _c in after if any(secret in body for secret in SECRETS)]
    assert not leaks, f"still shown after revocation: {leaks}"
    stored = [path for path, status, _b, cache_control in after if status == 200 and "no-store" not in cache_control]
    assert not stored, f"cacheable by the browser: {stored}"

    # The API answers "received" and forbids any client cache from keeping the answer (a CAD system calls
    # with its token alone, no signed-in session).
    answer = Client().get(api_url, **auth(token))
    assert answer.json()["status"] == disclosure.RECEIVED_ONLY and answer.json()["disclosed"] is False
    assert "no-store" in answer["Cache-Control"]

    # The emails still due go nowhere: the notice's, the message's, and the weekly digest.
    notice = OfficerNotice.objects.get(referral=referral)
    assert referral_services.officer_notice_email(notice_id=notice.pk) is False
    assert feedback_services.message_email_send(message_id=message.pk) is False
    assert feedback_services.weekly_digests_send() == 0
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.email_withheld_at is not None and notice.emailed_at is None
    assert CaseManagerMessage.objects.get(pk=message.pk).email_status == DeliveryStatus.SKIPPED
    assert WeeklyDigest.objects.get(officer=world.officer).status == DeliveryStatus.SKIPPED
    # A redelivered task, or the coordinator's "send again", finds nothing more to send.
    assert referral_services.officer_notice_email(notice_id=notice.pk) is False
    assert mail.outbox == []

    # Nothing disclosed anything after the revocation.
    assert AuditEvent.objects.filter(action="disclosure").count() == disclosures_at_revocation


def test_the_emails_still_go_while_the_consent_is_in_force(world, disclosed):
    """The control for the gates above: the same emails, consent unrevoked, are sent once each."""
    referral, _consent, message, _letter = disclosed
    notice = OfficerNotice.objects.get(referral=referral)
    assert referral_services.officer_notice_email(notice_id=notice.pk) is True
    assert feedback_services.message_email_send(message_id=message.pk) is True
    assert feedback_services.weekly_digests_send() == 1
    assert len(mail.outbox) == 3
    notice.refresh_from_db()
    assert notice.emailed_at is not None and notice.email_withheld_at is None

"""The quarterly edition by email: recipients, one row each, idempotent sends, failures, leases, progress."""

import smtplib
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from deflection.models import Role
from reports import services
from reports.models import Delivery, DeliveryStatus, Newsletter, NewsletterSend, NewsletterStatus
from reports.tests.conftest import NOW


@pytest.fixture
def edition(reports_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    newsletter = Newsletter(
        program=reports_world.program,
        kind="quarterly",
        period_start=NOW.date().replace(month=1, day=1),
        period_end=NOW.date().replace(month=3, day=31),
        status=NewsletterStatus.READY,
        is_current=True,
    )
    newsletter.file.save("q1.pdf", ContentFile(b"%PDF-1.4 a small test edition"), save=False)
    newsletter.file_size = newsletter.file.size
    newsletter.save()
    return newsletter


def police_staff(world):
    return {m.user for m in world.police.memberships.filter(is_active=True).select_related("user")}


def post_send(client, edition, world, key=None, **extra):
    data = {"message": "Thanks for a strong quarter.", "agencies": [world.police.pk], "idempotency_key": str(key or uuid.uuid4())}
    data.update(extra)
    return client.post(reverse("reports:newsletter_send", args=[edition.pk]), data)


def test_the_form_previews_an_email_with_no_personal_data(client, reports_world, edition):
    client.force_login(reports_world.coordinator)
    html = client.get(reverse("reports:newsletter_send", args=[edition.pk])).content.decode()
    assert "newsletter, Q1 2026" in html and "Hello," in html
    assert reports_world.coordinator.last_name not in html.split("What recipients get")[1].split("</details>")[0]


def test_sending_makes_one_row_per_person_and_a_second_click_changes_nothing(client, reports_world, edition):
    client.force_login(reports_world.coordinator)
    key = uuid.uuid4()
    response = post_send(client, edition, reports_world, key)
    assert response.status_code == 302
    assert post_send(client, edition, reports_world, key).status_code == 302  # double tap
    assert NewsletterSend.objects.count() == 1
    assert {d.recipient for d in Delivery.objects.all()} == police_staff(reports_world)
    # Another send of the same edition to the same agency adds nobody: one row per (edition, person).
    post_send(client, edition, reports_world)
    assert Delivery.objects.count() == len(police_staff(reports_world))


def test_the_sender_mails_each_recipient_once_with_the_pdf_and_no_names(reports_world, edition):
    send = services.newsletter_send_create(
        newsletter=edition,
        by=reports_world.coordinator,
        message="Thank you.",
        agencies=[reports_world.police],
        recipient_list=None,
        idempotency_key=uuid.uuid4(),
    )
    result = services.deliveries_send(send_id=send.pk)
    assert result == {"sent": len(police_staff(reports_world)), "failed": 0, "remaining": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in police_staff(reports_world))
    message = mail.outbox[0]
    assert message.attachments[0][0] == "newsletter.pdf"
    assert "Thank you." in message.body and reverse("reports:newsletter_download", args=[edition.pk]) in message.body
    for user in police_staff(reports_world):
        assert user.last_name not in message.body and user.last_name not in message.subject
    assert services.deliveries_send(send_id=send.pk) == {"sent": 0, "failed": 0, "remaining": 0}
    assert len(mail.outbox) == len(police_staff(reports_world))


def test_an_edition_over_the_size_limit_goes_as_a_link(reports_world, edition, settings):
    settings.REPORTS_NEWSLETTER_ATTACHMENT_LIMIT = 10
    send = services.newsletter_send_create(
        newsletter=edition,
        by=reports_world.coordinator,
        message="",
        agencies=[reports_world.sheriff],
        recipient_list=None,
        idempotency_key=uuid.uuid4(),
    )
    services.deliveries_send(send_id=send.pk)
    assert mail.outbox and not mail.outbox[0].attachments
    assert "Download it here" in mail.outbox[0].body


def test_a_refused_address_fails_with_a_reason_and_can_be_retried(client, reports_world, edition, monkeypatch):
    send = services.newsletter_send_create(
        newsletter=edition,
        by=reports_world.coordinator,
        message="",
        agencies=[reports_world.sheriff],
        recipient_list=None,
        idempotency_key=uuid.uuid4(),
    )
    real_send = services.EmailMessage.send

    def refuse(message, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user deputy@example.org")})

    monkeypatch.setattr(services.EmailMessage, "send", refuse)
    assert services.deliveries_send(send_id=send.pk)["failed"] == 1
    failed = Delivery.objects.get(send=send)
    assert failed.status == DeliveryStatus.FAILED and failed.reason == "refused 550"  # never the server's text
    monkeypatch.setattr(services.EmailMessage, "send", real_send)
    client.force_login(reports_world.coordinator)
    assert client.post(reverse("reports:send_retry", args=[send.pk])).status_code == 302
    assert services.deliveries_send(send_id=send.pk)["sent"] == 1
    assert client.get(reverse("reports:send_status", args=[send.pk])).json() == {
        "total": 1,
        "sent": 1,
        "failed": 0,
        "remaining": 0,
        "done": True,
    }


def test_a_row_left_sending_is_sent_again_only_after_its_lease(reports_world, edition):
    send = services.newsletter_send_create(
        newsletter=edition,
        by=reports_world.coordinator,
        message="",
        agencies=[reports_world.sheriff],
        recipient_list=None,
        idempotency_key=uuid.uuid4(),
    )
    Delivery.objects.filter(send=send).update(status=DeliveryStatus.SENDING, claimed_at=NOW)  # a worker died here
    assert services.deliveries_send(send_id=send.pk) == {"sent": 0, "failed": 0, "remaining": 1}
    with time_machine.travel(NOW + services.DELIVERY_LEASE * 2, tick=False):
        assert services.deliveries_send(send_id=send.pk)["sent"] == 1
    assert len(mail.outbox) == 1


def test_a_saved_list_of_people(client, reports_world, edition):
    client.force_login(reports_world.coordinator)
    response = client.post(
        reverse("reports:recipient_list_new", args=[reports_world.program.pk]),
        {"name": "Chiefs", "usernames": f"{reports_world.command.username}\n{reports_world.deputy.email}\n"},
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("reports:recipient_list_new", args=[reports_world.program.pk]),
        {"name": "Strangers", "usernames": reports_world.outsider.username},
    )
    assert bad.status_code == 400 and b"Not in the program" in bad.content
    from reports.models import RecipientList

    chiefs = RecipientList.objects.get(name="Chiefs")
    post_send(client, edition, reports_world, agencies=[], recipient_list=chiefs.pk)
    assert {d.recipient for d in Delivery.objects.all()} == {reports_world.command, reports_world.deputy}


def test_choosing_nobody_is_refused(client, reports_world, edition):
    client.force_login(reports_world.coordinator)
    response = post_send(client, edition, reports_world, agencies=[])
    assert response.status_code == 400 and not Delivery.objects.exists()


@pytest.mark.parametrize("persona", ["command", "officer"])
def test_only_coordinators_send(client, reports_world, edition, persona):
    client.force_login(getattr(reports_world, persona))
    assert post_send(client, edition, reports_world).status_code == 404
    assert not Delivery.objects.exists()


def test_everyone_of_the_chosen_agencies_counts_not_just_officers(reports_world):
    ids = services.recipients_for(program=reports_world.program, agencies=[reports_world.police], recipient_list=None)
    roles = set(reports_world.police.memberships.filter(user_id__in=ids).values_list("role", flat=True))
    assert {Role.OFFICER, Role.DISPATCHER, Role.COMMAND, Role.COORDINATOR} <= roles

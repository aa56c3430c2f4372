"""Walk-in intake: starting, paging the volunteer, accepting, placement as a self-referral, closing, bad input, 404s."""

import datetime
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.errors import ServiceError
from deflection.models import AuditEvent, OutboxMessage, Pathway, ProgramType
from referrals.models import Participant, Referral
from referrals.walkin import services
from referrals.walkin.models import WalkIn, WalkInNotice, WalkInSettings, WalkInStatus, WalkInVolunteer
from referrals.walkin.services import PlacementData
from referrals.walkin.tests.conftest import start


def _intake(client, world, **extra):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "program": str(world.program.pk),
        "arrived_at": world.program.localtime().strftime("%Y-%m-%dT%H:%M"),
        "need": "substance_use",
        "first_name": "Harriet",
        "last_name": "Okonkwo",
        "date_of_birth": "1991-07-02",
        "phone": "(555) 300-1212",
        **extra,
    }
    return client.post(reverse("walkin:start"), {k: v for k, v in data.items() if v is not None})


def _placement(world, **extra):
    return {
        "service": str(world.detox.pk),
        "handoff": "transport",
        f"criterion_{world.adult.pk}": "yes",
        f"criterion_{world.warrant.pk}": "no",
        **extra,
    }


def test_dispatcher_starts_an_intake_once_per_key_and_the_volunteer_is_paged_by_a_link(client, wworld):
    client.force_login(wworld.dispatcher)
    key = str(uuid.uuid4())
    response = _intake(client, wworld, idempotency_key=key)
    walkin = WalkIn.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("walkin:detail", args=[walkin.pk])
    assert _intake(client, wworld, idempotency_key=key).status_code == 302  # a double tap
    assert WalkIn.objects.count() == 1 and Participant.objects.count() == 1
    # Identity is on the encrypted participant, never in clear on the walk-in.
    assert walkin.participant.first_name == "Harriet" and not walkin.participant.is_pseudonymous
    assert walkin.status == WalkInStatus.WAITING and walkin.agency == wworld.police
    notice = WalkInNotice.objects.get()
    assert notice.recipient == wworld.angel
    assert OutboxMessage.objects.filter(task_name=services.EMAIL_TASK, kwargs={"notice_id": notice.pk}).exists()
    assert services.walkin_notice_email(notice_id=notice.pk) is True
    assert services.walkin_notice_email(notice_id=notice.pk) is False  # a redelivered task sends nothing
    (email,) = mail.outbox
    assert reverse("walkin:detail", args=[walkin.pk]) in email.body
    assert "Harriet" not in email.body + email.subject and "Okonkwo" not in email.body
    assert AuditEvent.objects.filter(action="walkin.start").count() == 1


def test_the_intake_screen_shows_the_coordinators_promise(client, wworld):
    WalkInSettings.objects.create(program=wworld.program, promise="Nobody is arrested for asking for help here.")
    client.force_login(wworld.officer)
    response = client.get(reverse("walkin:start"))
    assert response.status_code == 200 and "Nobody is arrested for asking for help here." in response.content.decode()


def test_a_walk_in_through_to_placement_with_the_time_measured(client, wworld):
    walkin = start(wworld, minutes_ago=47, first_name="Harriet", last_name="Okonkwo", date_of_birth=datetime.date(1991, 7, 2))
    client.force_login(wworld.angel)
    assert wworld.angel.pk in {n.recipient_id for n in walkin.notices.all()}
    page = client.get(reverse("walkin:detail", args=[walkin.pk]))
    assert page.status_code == 200 and "Harriet" in page.content.decode()
    assert WalkInNotice.objects.get(walkin=walkin).read_at is not None
    assert AuditEvent.objects.filter(action="walkin.view", object_id=str(walkin.participant_id)).exists()
    assert client.post(reverse("walkin:accept", args=[walkin.pk])).status_code == 302
    response = client.post(reverse("walkin:place", args=[walkin.pk]), _placement(wworld))
    assert response.status_code == 302
    walkin.refresh_from_db()
    referral = Referral.objects.get()
    assert walkin.status == WalkInStatus.PLACED and walkin.referral == referral and walkin.volunteer == wworld.angel
    assert 47 <= walkin.minutes_to_placement <= 48
    # The self-referral pathway, of the same participant, in the name of who started the intake.
    assert referral.pathway == Pathway.SELF_REFERRAL and referral.participant == walkin.participant
    assert referral.officer == wworld.dispatcher and referral.service == wworld.detox and referral.assigned_to is not None
    page = client.get(reverse("walkin:detail", args=[walkin.pk])).content.decode()
    assert f"{walkin.minutes_to_placement} minutes</strong> from arrival to placement" in page
    # A retried placement makes nothing new.
    assert client.post(reverse("walkin:place", args=[walkin.pk]), _placement(wworld)).status_code == 302
    assert Referral.objects.count() == 1


def test_a_returning_person_is_the_same_participant(wworld):
    person = {"first_name": "Harriet", "last_name": "Okonkwo", "date_of_birth": datetime.date(1991, 7, 2)}
    first, second = start(wworld, **person), start(wworld, **person)
    assert first.participant_id == second.participant_id
    anonymous = start(wworld)
    assert anonymous.participant.is_pseudonymous


def test_the_first_volunteer_to_accept_has_it(client, wworld):
    walkin = start(wworld)
    services.walkin_accept(walkin=walkin, by=wworld.angel, audit=AuditContext(actor=wworld.angel))
    assert services.walkin_accept(walkin=walkin, by=wworld.angel, audit=AuditContext()) is False
    with pytest.raises(ServiceError) as taken:
        services.walkin_accept(walkin=walkin, by=wworld.coordinator, audit=AuditContext())
    assert taken.value.status == 409
    # Nobody on call: the coordinators are paged instead.
    WalkInVolunteer.objects.update(on_call=False)
    assert {n.recipient_id for n in start(wworld).notices.all()} == {wworld.coordinator.pk}


def test_left_before_placement_closes_with_its_reason_once(client, wworld):
    walkin = start(wworld)
    client.force_login(wworld.dispatcher)  # the front desk sees the person leave
    assert client.post(reverse("walkin:close", args=[walkin.pk]), {"reason": "left"}).status_code == 302
    walkin.refresh_from_db()
    assert walkin.status == WalkInStatus.CLOSED and walkin.get_close_reason_display() == "Left before placement"
    assert walkin.elapsed() == walkin.closed_at - walkin.arrived_at
    client.force_login(wworld.angel)
    assert client.post(reverse("walkin:place", args=[walkin.pk]), _placement(wworld)).status_code == 409
    assert not Referral.objects.exists()


def test_a_placement_the_checklist_refuses_makes_no_referral(client, wworld):
    walkin = start(wworld)
    client.force_login(wworld.angel)
    response = client.post(
        reverse("walkin:place", args=[walkin.pk]), _placement(wworld, **{f"criterion_{wworld.adult.pk}": "no"})
    )
    assert response.status_code == 422 and b"Youth Services" in response.content
    walkin.refresh_from_db()
    assert walkin.status == WalkInStatus.WAITING and not Referral.objects.exists()


def test_bad_input_answers_4xx_with_the_error(client, wworld):
    client.force_login(wworld.officer)
    future = (wworld.program.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = _intake(client, wworld, arrived_at=future)
    assert response.status_code == 400 and b"in the future" in response.content
    assert _intake(client, wworld, arrived_at="9999-99-99T25:00").status_code == 400
    assert _intake(client, wworld, need="burglary").status_code == 400
    assert b"both names" in _intake(client, wworld, last_name="").content
    assert _intake(client, wworld, unit="\u00b2").status_code == 400
    assert _intake(client, wworld, program=str(wworld.other_program.pk)).status_code == 400
    assert not WalkIn.objects.exists()
    walkin = start(wworld)
    client.force_login(wworld.angel)
    url = reverse("walkin:place", args=[walkin.pk])
    assert client.post(url, _placement(wworld, service="abc")).status_code == 400
    assert client.post(url, _placement(wworld, placed_at="2001-01-01T10:00")).status_code == 400  # before arrival
    assert client.post(reverse("walkin:close", args=[walkin.pk]), {"reason": "bored"}).status_code == 400
    client.force_login(wworld.command)
    assert client.get(reverse("walkin:figures"), {"year": "20x6"}).status_code == 400
    assert client.get(reverse("walkin:figures"), {"year": "\u0662\u0660\u0662\u0666"}).status_code == 400


def test_who_may_see_what(client, wworld):
    walkin = start(wworld, first_name="Harriet", last_name="Okonkwo")
    # Officers who did not start it, non-volunteer case managers, outsiders: 404.
    for user in (wworld.officer, wworld.case_manager, wworld.outsider, wworld.deputy):
        client.force_login(user)
        assert client.get(reverse("walkin:detail", args=[walkin.pk])).status_code == 404
        assert client.post(reverse("walkin:place", args=[walkin.pk]), {}).status_code == 404
    client.force_login(wworld.case_manager)  # may open the board (their role sees the link), but not start an intake
    assert client.get(reverse("walkin:board")).status_code == 200
    assert client.get(reverse("walkin:start")).status_code == 404
    client.force_login(wworld.officer)
    assert client.get(reverse("walkin:board")).status_code == 404
    assert client.get(reverse("walkin:figures")).status_code == 404
    assert client.get(reverse("walkin:settings", args=[wworld.program.pk])).status_code == 404
    client.force_login(wworld.outsider)
    assert client.get(reverse("walkin:start")).status_code == 404
    client.force_login(wworld.dispatcher)  # who started it follows the wait, but cannot place
    assert client.get(reverse("walkin:detail", args=[walkin.pk])).status_code == 200
    assert client.post(reverse("walkin:accept", args=[walkin.pk])).status_code == 403
    client.force_login(wworld.angel)
    board = client.get(reverse("walkin:board")).content.decode()
    assert walkin.reference in board and "new" in board and "Harriet" not in board


def test_pages_404_when_the_program_does_not_run_walk_in(client, wworld):
    walkin = start(wworld)
    wworld.program.program_types = [ProgramType.SELF_OFFICER_REFERRAL]
    wworld.program.save(update_fields=["program_types"])
    for user, name, args in (
        (wworld.dispatcher, "walkin:start", []),
        (wworld.angel, "walkin:detail", [walkin.pk]),
        (wworld.command, "walkin:figures", []),
        (wworld.coordinator, "walkin:settings", [wworld.program.pk]),
    ):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 404
    client.force_login(wworld.officer)
    assert "Walk-in intake" not in client.get(reverse("home")).content.decode()


def test_coordinator_sets_the_promise_and_the_on_call_list(client, wworld):
    client.force_login(wworld.coordinator)
    url = reverse("walkin:settings", args=[wworld.program.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"promise": "No arrest for asking."}).status_code == 302
    assert WalkInSettings.for_program(wworld.program).promise == "No arrest for asking."
    assert client.post(url, {"promise": ""}).status_code == 400
    volunteers = reverse("walkin:volunteer_set", args=[wworld.program.pk])
    assert client.post(volunteers, {"user": str(wworld.case_manager.pk), "state": "on_call"}).status_code == 302
    assert client.post(volunteers, {"user": str(wworld.angel.pk), "state": "off_call"}).status_code == 302
    assert services.on_call_volunteer_ids(wworld.program) == [wworld.case_manager.pk]
    # An officer is not a volunteer; a hostile id is a 400.
    assert client.post(volunteers, {"user": str(wworld.officer.pk), "state": "on_call"}).status_code == 400
    assert client.post(volunteers, {"user": "\u00b2", "state": "on_call"}).status_code == 400
    assert client.post(volunteers, {"user": str(wworld.angel.pk), "state": "remove"}).status_code == 302
    assert not WalkInVolunteer.objects.filter(user=wworld.angel).exists()
    assert AuditEvent.objects.filter(action="walkin.volunteer").count() == 3


def test_the_placement_service_refuses_a_time_before_arrival(wworld):
    walkin = start(wworld, minutes_ago=30)
    data = PlacementData(
        service=wworld.detox,
        placed_at=timezone.now() - datetime.timedelta(hours=1),
        handoff="transport",
        form_opened_at=timezone.now(),
        eligibility_answers={wworld.adult.pk: True, wworld.warrant.pk: False},
    )
    with pytest.raises(ServiceError, match="before the person arrived"):
        services.walkin_place(walkin=walkin, by=wworld.angel, data=data, audit=AuditContext())

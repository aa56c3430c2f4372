"""The naloxone leave-behind ledger: hand-outs and restocks per unit, stock never below zero, one low-stock alert per shortage."""

import pytest
from django.core import mail
from django.urls import reverse

from deflection.models import OutboxMessage
from deflection.tests.factories import UnitFactory
from referrals.overdose import naloxone, tasks
from referrals.overdose.models import KitMovement, NaloxoneLedgerEntry, NaloxoneStock

from .conftest import record

pytestmark = pytest.mark.django_db


def _low_stock_alerts():
    return OutboxMessage.objects.filter(task_name="referrals.overdose.tasks.email_low_stock")


def test_ledger_records_who_when_to_whom_from_which_unit_and_the_stock(client, qworld):
    case = record(qworld).outreach_case
    naloxone.kits_restock(program=qworld.program, unit=qworld.qrt_unit, quantity=10, by=qworld.coordinator)
    naloxone.kits_hand_out(
        program=qworld.program, unit=qworld.qrt_unit, quantity=2, recipient="family", by=qworld.officer, case=case
    )
    entry = NaloxoneLedgerEntry.objects.get(movement=KitMovement.HANDOUT)
    assert (entry.unit, entry.quantity, entry.recipient, entry.by, entry.case) == (
        qworld.qrt_unit,
        2,
        "family",
        qworld.officer,
        case,
    )
    assert NaloxoneStock.objects.get(unit=qworld.qrt_unit).on_hand == 8
    client.force_login(qworld.officer)
    page = client.get(reverse("overdose:naloxone")).content.decode()
    assert "QRT: 8 kits" in page and "low stock" not in page


def test_officer_hands_out_through_the_page(client, qworld):
    naloxone.kits_restock(program=qworld.program, unit=qworld.qrt_unit, quantity=6, by=qworld.coordinator)
    client.force_login(qworld.officer)
    response = client.post(
        reverse("overdose:naloxone"),
        {"program": qworld.program.pk, "unit": qworld.qrt_unit.pk, "quantity": "1", "recipient": "survivor"},
    )
    assert response.status_code == 302
    assert NaloxoneStock.objects.get(unit=qworld.qrt_unit).on_hand == 5


def test_low_stock_alerts_once_per_shortage_and_again_after_a_restock(qworld):
    naloxone.kits_restock(program=qworld.program, unit=qworld.qrt_unit, quantity=4, by=qworld.coordinator)
    naloxone.kits_hand_out(program=qworld.program, unit=qworld.qrt_unit, quantity=1, recipient="survivor", by=qworld.officer)
    assert not _low_stock_alerts().exists()  # 3 left, the threshold is 3
    naloxone.kits_hand_out(program=qworld.program, unit=qworld.qrt_unit, quantity=1, recipient="survivor", by=qworld.officer)
    naloxone.kits_hand_out(program=qworld.program, unit=qworld.qrt_unit, quantity=1, recipient="other", by=qworld.officer)
    assert _low_stock_alerts().count() == 1
    tasks.email_low_stock(**_low_stock_alerts().get().kwargs)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [qworld.coordinator.email]
    assert "1 naloxone kit(s) left" in mail.outbox[0].body
    naloxone.kits_restock(program=qworld.program, unit=qworld.qrt_unit, quantity=10, by=qworld.coordinator)
    for _ in range(9):
        naloxone.kits_hand_out(program=qworld.program, unit=qworld.qrt_unit, quantity=1, recipient="family", by=qworld.officer)
    assert _low_stock_alerts().count() == 2


def test_handing_out_more_than_the_unit_holds_is_refused(client, qworld):
    naloxone.kits_restock(program=qworld.program, unit=qworld.qrt_unit, quantity=1, by=qworld.coordinator)
    client.force_login(qworld.officer)
    response = client.post(
        reverse("overdose:naloxone"),
        {"program": qworld.program.pk, "unit": qworld.qrt_unit.pk, "quantity": "2", "recipient": "family"},
    )
    assert response.status_code == 409 and "fewer than 2" in response.content.decode()
    assert NaloxoneStock.objects.get(unit=qworld.qrt_unit).on_hand == 1


@pytest.mark.parametrize(
    "data",
    [
        {"unit": "abc", "quantity": "1"},
        {"unit": "999999", "quantity": "1"},
        {"quantity": "0"},
        {"quantity": "-3"},
        {"quantity": "1", "recipient": "neighbourhood"},
    ],
)
def test_bad_ledger_input_is_a_400(client, qworld, data):
    client.force_login(qworld.officer)
    post = {"program": qworld.program.pk, "unit": qworld.qrt_unit.pk, **data}
    assert client.post(reverse("overdose:naloxone"), post).status_code == 400
    assert not NaloxoneLedgerEntry.objects.exists()


def test_unit_of_another_agency_is_not_offered(client, qworld):
    foreign = UnitFactory(agency=qworld.outsider_agency, name="Elsewhere QRT")
    client.force_login(qworld.officer)
    post = {"program": qworld.program.pk, "unit": foreign.pk, "quantity": "1"}
    assert client.post(reverse("overdose:naloxone"), post).status_code == 400


def test_bad_program_parameter_is_a_404(client, qworld):
    client.force_login(qworld.officer)
    assert client.get(reverse("overdose:naloxone") + "?program=²").status_code == 404
    assert client.get(reverse("overdose:naloxone") + f"?program={qworld.other_program.pk}").status_code == 404

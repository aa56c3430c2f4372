"""The coordinator sets the outreach clock (24 to 72 hours), the attempts before closing and who is on call."""

import pytest
from django.urls import reverse

from referrals.overdose.models import OutreachSettings

pytestmark = pytest.mark.django_db


def _post(client, world, **data):
    client.force_login(world.coordinator)
    values = {
        "clock_hours": "72",
        "max_attempts": "4",
        "on_call_case_manager": str(world.case_manager.pk),
        "low_stock_threshold": "8",
        **data,
    }
    return client.post(reverse("overdose:settings", args=[world.program.pk]), values)


def test_coordinator_sets_the_clock(client, qworld):
    assert _post(client, qworld).status_code == 302
    row = OutreachSettings.objects.get(program=qworld.program)
    assert (row.clock_hours, row.max_attempts, row.on_call_case_manager, row.low_stock_threshold) == (
        72,
        4,
        qworld.case_manager,
        8,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"clock_hours": "12"},
        {"clock_hours": "96"},
        {"clock_hours": "x"},
        {"max_attempts": "0"},
        {"on_call_case_manager": "999999"},
    ],
)
def test_bad_settings_are_a_400(client, qworld, data):
    assert _post(client, qworld, **data).status_code == 400
    assert OutreachSettings.objects.get(program=qworld.program).clock_hours == 24  # unchanged


def test_an_officer_cannot_open_the_settings(client, qworld):
    client.force_login(qworld.officer)
    assert client.get(reverse("overdose:settings", args=[qworld.program.pk])).status_code == 404

"""The coordinator's on-call rota page (issue 12): who is on call per provider, shifts added and removed, audited;
with on-call assignment, a new referral goes to the case manager on call."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from deflection.models import AgencyKind, AssignmentMethod, AuditEvent, Role
from deflection.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from referrals.assignment import case_manager_for_new_referral
from referrals.clocks.models import OnCallShift

# 01:14 UTC on November 29 is 19:14 on November 28 in America/Chicago (the program's zone).
EVENING_IN_CHICAGO = datetime.datetime(2026, 11, 29, 1, 14, tzinfo=datetime.UTC)


@pytest.fixture
def rota(rworld):
    rworld.program.assignment = AssignmentMethod.ON_CALL
    rworld.program.save(update_fields=["assignment"])
    rworld.cm2 = UserFactory(username="cm2", first_name="Philippa", last_name="Quennell")
    MembershipFactory(user=rworld.cm2, agency=rworld.provider, role=Role.CASE_MANAGER, badge_number="")
    rworld.url = reverse("program_on_call", args=[rworld.program.pk])
    return rworld


def test_a_coordinator_puts_a_case_manager_on_call_in_local_time_and_new_referrals_go_to_them(client, rota):
    with time_machine.travel(EVENING_IN_CHICAGO, tick=False):
        client.force_login(rota.coordinator)
        body = client.get(rota.url).content.decode()
        assert "The provider&#x27;s on-call case manager" in body and "Change in program settings" in body
        assert "nobody (new referrals go round robin)" in body
        response = client.post(
            rota.url,
            {
                "action": "add",
                "agency": str(rota.provider.pk),
                "case_manager": str(rota.cm2.pk),
                "starts_at": "2026-11-28T18:00",  # Chicago wall clock
                "ends_at": "2026-11-29T08:00",
            },
        )
        assert response.status_code == 302
        shift = OnCallShift.objects.get()
        assert shift.starts_at == datetime.datetime(2026, 11, 29, 0, 0, tzinfo=datetime.UTC)
        assert (shift.agency, shift.case_manager, shift.created_by) == (rota.provider, rota.cm2, rota.coordinator)
        body = client.get(rota.url).content.decode()
        assert "On call now: <strong data-on-call-now>Philippa Quennell</strong>" in body
        assert "Sat Nov 28, 18:00 – Sun Nov 29, 08:00 CST" in body
        assert case_manager_for_new_referral(program=rota.program, provider_id=rota.provider.pk, at=EVENING_IN_CHICAGO) == (
            rota.cm2.pk
        )
    event = AuditEvent.objects.get(action="on_call.add")
    assert event.actor == rota.coordinator and event.detail["case_manager"] == rota.cm2.pk


def test_removing_a_shift_is_audited(client, rota):
    shift = OnCallShift.objects.create(
        agency=rota.provider,
        case_manager=rota.cm2,
        starts_at=EVENING_IN_CHICAGO,
        ends_at=EVENING_IN_CHICAGO + datetime.timedelta(days=1),
        created_by=rota.coordinator,
    )
    client.force_login(rota.coordinator)
    assert client.post(rota.url, {"action": "remove", "shift": str(shift.pk)}).status_code == 302
    assert not OnCallShift.objects.exists()
    assert AuditEvent.objects.get(action="on_call.remove").detail["shift"] == shift.pk
    response = client.post(rota.url, {"action": "remove", "shift": str(shift.pk)})
    assert response.status_code == 404 and "may have been removed already" in response.content.decode()


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"case_manager": "outsider"}, 422, "is not a case manager of Harbor Light"),
        ({"ends_at": "2026-11-28T17:00"}, 400, "The shift must end after it starts."),
        ({"ends_at": "2026-12-28T17:00"}, 422, "A shift lasts at most 14 days"),
        ({"starts_at": "0001-01-01T00:00"}, 400, "data-error-summary"),
        ({"agency": "police"}, 400, "Select a valid choice"),
        ({"agency": "x²"}, 400, "Select a valid choice"),
    ],
)
def test_a_bad_shift_is_refused_with_a_clear_message(client, rota, change, status, message):
    other = AgencyFactory(name="Elsewhere Treatment", kind=AgencyKind.TREATMENT)
    outsider = UserFactory(username="elsewhere", first_name="Cuthbert", last_name="Elsewhere")
    MembershipFactory(user=outsider, agency=other, role=Role.CASE_MANAGER, badge_number="")
    rota.program.partners.add(other)
    data = {
        "action": "add",
        "agency": str(rota.provider.pk),
        "case_manager": str(rota.cm2.pk),
        "starts_at": "2026-11-28T18:00",
        "ends_at": "2026-11-29T08:00",
    }
    named = {"outsider": str(outsider.pk), "police": str(rota.police.pk)}
    data.update({k: named.get(v, v) for k, v in change.items()})
    client.force_login(rota.coordinator)
    response = client.post(rota.url, data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize("persona", ["officer", "case_manager", "dispatcher", "outsider"])
def test_only_the_coordinator_sees_the_rota(client, rota, persona):
    client.force_login(getattr(rota, persona))
    assert client.get(rota.url).status_code in (403, 404)
    client.post(rota.url, {"action": "add", "agency": str(rota.provider.pk), "case_manager": str(rota.cm2.pk)})
    assert not OnCallShift.objects.exists()


def test_the_rota_page_runs_a_fixed_number_of_queries(client, rota, django_assert_max_num_queries):
    client.force_login(rota.coordinator)
    client.get(rota.url)
    with django_assert_max_num_queries(20) as few:
        client.get(rota.url)
    for day in range(14):
        OnCallShift.objects.create(
            agency=rota.provider,
            case_manager=rota.cm2 if day % 2 else rota.case_manager,
            starts_at=EVENING_IN_CHICAGO + datetime.timedelta(days=day),
            ends_at=EVENING_IN_CHICAGO + datetime.timedelta(days=day + 1),
            created_by=rota.coordinator,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(rota.url).content.decode().count("data-shift=") == 14

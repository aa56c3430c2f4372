"""Co-responder encounters: logging, the referral through the referral services, figures, 404s, bad input."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent, ProgramType
from deflection.tests.factories import MembershipFactory, UnitFactory, UserFactory
from referrals.coresponder.models import Encounter
from referrals.models import Referral
from referrals.tests.conftest import referral_post


def _log(client, **extra):
    data = {"idempotency_key": str(uuid.uuid4()), "call_type": "mental_health", "arrest_avoided": "on", **extra}
    return client.post(reverse("coresponder:log"), data)


def test_officer_logs_a_call_once_per_key(client, cworld):
    client.force_login(cworld.officer)
    key = str(uuid.uuid4())
    assert _log(client, idempotency_key=key, clinician=str(cworld.case_manager.pk)).status_code == 302
    assert _log(client, idempotency_key=key).status_code == 302  # a double tap
    encounter = Encounter.objects.get()
    assert encounter.arrest_avoided and not encounter.resolved_on_scene
    assert encounter.unit.name == "District 1" and encounter.clinician == cworld.case_manager
    assert AuditEvent.objects.filter(action="coresponder.encounter.create").count() == 1


def test_a_coresponder_encounter_through_to_a_referral(client, cworld):
    client.force_login(cworld.officer)
    response = _log(client, referred="on")
    encounter = Encounter.objects.get()
    assert response["Location"] == reverse("coresponder:refer", args=[encounter.pk])
    post = referral_post(cworld)
    response = client.post(response["Location"], post)
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:done", args=[referral.pk])
    encounter.refresh_from_db()
    assert encounter.referral == referral and referral.officer == cworld.officer
    assert referral.participant.first_name == "Jamie"  # identity on the encrypted participant, not the encounter
    # A retry of the same submit makes nothing new.
    assert client.post(reverse("coresponder:refer", args=[encounter.pk]), post).status_code == 302
    assert Referral.objects.count() == 1


def test_referral_refused_by_the_checklist_links_nothing(client, cworld):
    client.force_login(cworld.officer)
    _log(client)
    encounter = Encounter.objects.get()
    response = client.post(
        reverse("coresponder:refer", args=[encounter.pk]), referral_post(cworld, **{f"criterion_{cworld.adult.pk}": "no"})
    )
    assert response.status_code == 422 and b"Youth Services" in response.content  # the guidance is shown
    encounter.refresh_from_db()
    assert encounter.referral is None and not Referral.objects.exists()


def test_bad_input_answers_400_with_the_error(client, cworld):
    client.force_login(cworld.officer)
    assert _log(client, call_type="burglary").status_code == 400
    both = _log(client, resolved_on_scene="on", transported="on")
    assert both.status_code == 400 and b"not both" in both.content
    future = (timezone.localtime(timezone.now(), cworld.program.tz) + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert b"in the future" in _log(client, occurred_at=future).content
    assert _log(client, occurred_at="9999-99-99T25:00").status_code == 400
    assert _log(client, clinician="²").status_code == 400
    assert not Encounter.objects.exists()
    client.force_login(cworld.command)
    assert client.get(reverse("coresponder:figures"), {"month": "2026-13"}).status_code == 400
    assert client.get(reverse("coresponder:figures"), {"month": "٢٠٢٦-01"}).status_code == 400


def test_pages_404_when_the_program_does_not_run_co_responders(client, rworld):
    rworld.program.program_types = [ProgramType.SELF_OFFICER_REFERRAL]
    rworld.program.save(update_fields=["program_types"])
    client.force_login(rworld.officer)
    assert client.get(reverse("coresponder:log")).status_code == 404
    client.force_login(rworld.command)
    assert client.get(reverse("coresponder:figures")).status_code == 404
    assert "Co-responder" not in client.get(reverse("referrals:directory")).content.decode()


def test_other_officers_encounter_and_case_managers_get_404(client, cworld):
    client.force_login(cworld.officer)
    _log(client)
    encounter = Encounter.objects.get()
    client.force_login(cworld.other_officer)
    assert client.get(reverse("coresponder:refer", args=[encounter.pk])).status_code == 404
    client.force_login(cworld.case_manager)
    assert client.get(reverse("coresponder:log")).status_code == 404
    client.force_login(cworld.officer)
    assert client.get(reverse("coresponder:figures")).status_code == 404


def test_figures_per_unit_are_suppressed_with_constant_queries(client, cworld, django_assert_max_num_queries):
    now = timezone.now()
    program = cworld.program
    big = UnitFactory(agency=cworld.police, name="Big Unit")
    big_officer = UserFactory(username="bigunit")
    MembershipFactory(user=big_officer, agency=cworld.police, unit=big)
    rows = [
        Encounter(
            program=program,
            logged_by=big_officer,
            agency=cworld.police,
            unit=big,
            call_type="other",
            occurred_at=now,
            arrest_avoided=True,
        )
        for _ in range(30)
    ]
    rows += [
        Encounter(
            program=program,
            logged_by=cworld.officer,
            agency=cworld.police,
            unit=cworld.officer.memberships.get().unit,
            call_type="other",
            occurred_at=now,
        )
        for _ in range(3)
    ]
    for i in range(8):
        unit = UnitFactory(agency=cworld.police, name=f"Extra {i}")
        rows += [
            Encounter(
                program=program, logged_by=cworld.officer, agency=cworld.police, unit=unit, call_type="other", occurred_at=now
            )
            for _ in range(12)
        ]
    Encounter.objects.bulk_create(rows)
    client.force_login(cworld.command)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("coresponder:figures"), {"month": f"{program.today():%Y-%m}"})
    html = response.content.decode()
    assert response.status_code == 200
    district = html.split("District 1</th>", 1)[1].split("</tr>", 1)[0]
    assert "fewer than 11" in district and ">3<" not in district  # District 1's 3 calls
    assert "not shown" in html  # a partner unit is hidden too, so the total (129) cannot give the 3 away
    assert ">30<" in html and "Big Unit" in html
    assert AuditEvent.objects.filter(action="coresponder.figures.view").exists()

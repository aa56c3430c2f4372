"""The coordinator's retention page: the period, and legal holds set and lifted with a reason, audited (SECURITY.md 32)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals import retention
from referrals.models import LegalHold, Participant, RetentionPolicy
from referrals.tests.factories import ParticipantFactory, ReferralFactory

LONG_AGO = timezone.now() - datetime.timedelta(days=365 * 7)


def _old_record(rworld, name="Ancient"):
    person = ParticipantFactory(program=rworld.program, first_name=name, last_name="Oldfield", created_at=LONG_AGO)
    referral = ReferralFactory(
        program=rworld.program,
        participant=person,
        officer=rworld.officer,
        provider=rworld.provider,
        created_at=LONG_AGO,
        status_changed_at=LONG_AGO,
    )
    return person, referral


def test_coordinator_holds_a_record_by_reference_with_a_reason_and_the_job_keeps_it(client, rworld):
    person, referral = _old_record(rworld)
    client.force_login(rworld.coordinator)
    url = reverse("program_retention", args=[rworld.program.pk])
    response = client.post(url, {"action": "hold", "reference": referral.reference, "reason": "Civil suit 24-CV-118"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.participant, hold.set_by, hold.reason, hold.lifted_at) == (
        person,
        rworld.coordinator,
        "Civil suit 24-CV-118",
        None,
    )
    assert Participant.objects.get(pk=person.pk).legal_hold
    event = AuditEvent.objects.get(action="participant.legal_hold")
    assert event.actor == rworld.coordinator and event.object_id == str(person.pk)
    assert "24-CV" not in str(event.detail)  # the reason stays on the (encrypted) hold row
    page = client.get(url).content.decode()
    # Listed by record and reference, with the reason; never with the person's name.
    assert f"P-{person.pk}" in page and referral.reference in page and "Civil suit 24-CV-118" in page
    assert "Ancient" not in page and "Oldfield" not in page

    assert retention.retention_apply(program=rworld.program) == 0
    assert Participant.objects.get(pk=person.pk).first_name == "Ancient"

    response = client.post(url, {"action": "lift", "hold": hold.pk, "reason": "Suit settled"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == rworld.coordinator and hold.lift_reason == "Suit settled"
    assert not Participant.objects.get(pk=person.pk).legal_hold
    assert AuditEvent.objects.filter(action="participant.legal_hold_lifted", actor=rworld.coordinator).count() == 1
    assert retention.retention_apply(program=rworld.program) == 1


def test_bad_input_is_a_4xx_with_a_message(client, rworld):
    person, referral = _old_record(rworld)
    client.force_login(rworld.coordinator)
    url = reverse("program_retention", args=[rworld.program.pk])
    no_reason = client.post(url, {"action": "hold", "reference": referral.reference, "reason": "  "})
    assert no_reason.status_code == 400 and "Give the reason" in no_reason.content.decode()
    for reference in ("R-999999", "²", "R-", "x" * 40):
        bad = client.post(url, {"action": "hold", "reference": reference, "reason": "Suit"})
        assert bad.status_code == 400 and "No referral of this program has that reference" in bad.content.decode()
    assert client.post(url, {"action": "lift", "hold": "nonsense", "reason": "x"}).status_code == 400
    assert client.post(url, {"action": "period", "years": "0"}).status_code == 400
    assert client.post(url, {"action": "period", "years": "six"}).status_code == 400
    assert client.post(url, {"action": "what"}).status_code == 400
    client.post(url, {"action": "hold", "reference": referral.reference, "reason": "Suit"})
    twice = client.post(url, {"action": "hold", "reference": referral.reference, "reason": "Suit again"})
    assert twice.status_code == 409 and "already on legal hold" in twice.content.decode()
    assert LegalHold.objects.count() == 1


def test_coordinator_sets_the_period_audited(client, rworld):
    client.force_login(rworld.coordinator)
    url = reverse("program_retention", args=[rworld.program.pk])
    assert client.post(url, {"action": "period", "years": "10"}).status_code == 302
    assert RetentionPolicy.objects.get(program=rworld.program).years == 10
    event = AuditEvent.objects.get(action="retention.policy")
    assert event.actor == rworld.coordinator and event.detail == {"from": 6, "to": 10}


def test_only_the_programs_coordinators_open_the_page(client, rworld):
    person, referral = _old_record(rworld)
    url = reverse("program_retention", args=[rworld.program.pk])
    for persona in ("officer", "case_manager", "command"):
        client.force_login(getattr(rworld, persona))
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "hold", "reference": referral.reference, "reason": "Suit"}).status_code == 404
    client.force_login(rworld.coordinator)
    assert client.get(reverse("program_retention", args=[rworld.other_program.pk])).status_code == 404
    assert not LegalHold.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", object_type="deflection.program").count() == 7


def test_a_hold_is_found_only_by_a_reference_of_the_coordinators_program(client, rworld):
    foreign_person = ParticipantFactory(program=rworld.other_program)
    foreign = ReferralFactory(program=rworld.other_program, participant=foreign_person)
    client.force_login(rworld.coordinator)
    url = reverse("program_retention", args=[rworld.program.pk])
    response = client.post(url, {"action": "hold", "reference": foreign.reference, "reason": "Suit"})
    assert response.status_code == 400
    assert not Participant.objects.get(pk=foreign_person.pk).legal_hold


def test_the_page_runs_a_fixed_number_of_queries(client, rworld, django_assert_max_num_queries):
    for i in range(15):
        person, _ = _old_record(rworld, name=f"Person{i}")
        retention.participant_legal_hold_set(participant=person, by=rworld.coordinator, hold=True, reason=f"Suit {i}")
    client.force_login(rworld.coordinator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("program_retention", args=[rworld.program.pk])).content.decode()
    assert page.count('class="card mb-2 legal-hold"') == 15

"""Outreach attempts with the field rules, through to a referral of the same participant, or closed."""

import pytest
from django.urls import reverse

from deflection.models import AuditEvent, Pathway
from referrals.models import Referral, Status
from referrals.overdose import services
from referrals.overdose.models import CaseStatus, OutreachAttempt
from referrals.overdose.services import AttemptData
from referrals.tests.factories import CriterionFactory

from .conftest import record

pytestmark = pytest.mark.django_db


def _attempt(client, case, **data):
    return client.post(reverse("overdose:case", args=[case.pk]), data)


def test_attempts_phone_then_visit_then_engaged_becomes_a_referral_of_the_same_participant(client, qworld):
    adult = CriterionFactory(program=qworld.program, question="Is the person 18 or older?")
    case = record(qworld).outreach_case
    client.force_login(qworld.case_manager)
    page = client.get(reverse("overdose:case", args=[case.pk])).content.decode()
    for rule in ("ask for consent", "disclose nothing", "no warrant check"):
        assert rule in page.lower()
    assert _attempt(client, case, channel="phone", reached="family", result="try_again").status_code == 302
    assert _attempt(client, case, channel="visit", reached="survivor", result="engaged").status_code == 400  # checklist
    response = _attempt(client, case, channel="visit", reached="survivor", result="engaged", **{f"criterion_{adult.pk}": "yes"})
    assert response.status_code == 302
    case.refresh_from_db()
    referral = Referral.objects.get()
    assert case.status == CaseStatus.ENGAGED and case.referral == referral and case.closed_at is not None
    assert referral.participant_id == case.participant_id  # the same person, not a new record
    assert (referral.pathway, referral.status, referral.officer, referral.provider) == (
        Pathway.NALOXONE_PLUS,
        Status.RECEIVED,
        qworld.officer,  # who logged the overdose: the officer's consent-gated feed follows the referral
        qworld.provider,
    )
    assert case.first_attempt_at < case.reached_at
    # A second tap on a closed case is refused, not a second referral.
    again = _attempt(client, case, channel="visit", reached="survivor", result="engaged", **{f"criterion_{adult.pk}": "yes"})
    assert again.status_code == 409 and Referral.objects.count() == 1


def test_visit_before_phone_or_text_is_refused(client, qworld):
    case = record(qworld).outreach_case
    client.force_login(qworld.case_manager)
    response = _attempt(client, case, channel="visit", reached="nobody", result="no_answer")
    assert response.status_code == 400 and "Phone or text first" in response.content.decode()
    assert not OutreachAttempt.objects.exists()


def test_only_the_survivor_can_engage_or_decline(client, qworld):
    case = record(qworld).outreach_case
    client.force_login(qworld.case_manager)
    assert _attempt(client, case, channel="phone", reached="family", result="declined").status_code == 400
    assert _attempt(client, case, channel="phone", reached="nobody", result="try_again").status_code == 400
    assert not OutreachAttempt.objects.exists()


def test_declined_closes_the_case(qworld):
    case = record(qworld).outreach_case
    services.outreach_attempt_record(
        case=case, by=qworld.case_manager, data=AttemptData(channel="text", reached="survivor", result="declined")
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DECLINED and not Referral.objects.exists()


def test_not_reached_after_n_attempts_closes_the_case(qworld):
    case = record(qworld).outreach_case
    for channel in ("phone", "text"):
        services.outreach_attempt_record(
            case=case, by=qworld.case_manager, data=AttemptData(channel=channel, reached="nobody", result="no_answer")
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # 2 of 3
    services.outreach_attempt_record(
        case=case, by=qworld.case_manager, data=AttemptData(channel="visit", reached="family", result="message")
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.NOT_REACHED and case.closed_at is not None


@pytest.mark.parametrize("data", [{}, {"channel": "fax", "reached": "survivor", "result": "engaged"}])
def test_bad_attempt_input_is_a_400(client, qworld, data):
    case = record(qworld).outreach_case
    client.force_login(qworld.case_manager)
    assert _attempt(client, case, **data).status_code == 400


def test_case_is_for_the_team_only_and_its_reads_are_audited(client, qworld):
    case = record(qworld).outreach_case
    client.force_login(qworld.outsider)
    assert client.get(reverse("overdose:case", args=[case.pk])).status_code == 404
    client.force_login(qworld.coordinator)
    assert client.get(reverse("overdose:case", args=[case.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="outreach.view", actor=qworld.coordinator).exists()


def test_queue_query_count_is_constant(client, qworld, django_assert_max_num_queries):
    for i in range(30):
        record(qworld, first_name=f"Name{i}", last_name="Survivor", phone=f"555-01{i:02d}")
    client.force_login(qworld.case_manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("overdose:queue"))
    assert response.status_code == 200 and len(response.context["cases"]) == 30

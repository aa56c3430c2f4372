"""Coordinators configure the eligibility checklist; everyone sees it and the referral times on the program page."""

import datetime

from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals.models import EligibilityCriterion
from referrals.selectors import completion_times
from referrals.tests.factories import ReferralFactory


def test_coordinator_adds_and_edits_criteria(client, rworld):
    client.force_login(rworld.coordinator)
    response = client.post(
        reverse("referrals:criteria"),
        {
            "question": "On parole?",
            "kind": "inclusive",
            "position": 5,
            "is_active": "on",
            "failure_guidance": "",
        },
    )
    assert response.status_code == 302
    criterion = EligibilityCriterion.objects.get(question="On parole?")
    response = client.post(
        reverse("referrals:criterion_edit", args=[criterion.pk]),
        {
            "question": "Is the person on parole?",
            "kind": "inclusive",
            "position": 5,
            "failure_guidance": "",
        },
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.question == "Is the person on parole?" and not criterion.is_active
    assert AuditEvent.objects.filter(action="criterion.update").exists()
    bad = client.post(reverse("referrals:criteria"), {"question": "", "kind": "nonsense", "position": "x"})
    assert bad.status_code == 400


def test_a_repeated_question_is_a_400_with_a_message_not_a_500(client, rworld):
    client.force_login(rworld.coordinator)
    data = {"question": rworld.adult.question, "kind": "hard", "required_answer": "on", "position": 3, "failure_guidance": ""}
    response = client.post(reverse("referrals:criteria"), data)
    assert response.status_code == 400
    assert "already has this question" in response.content.decode()
    assert EligibilityCriterion.objects.filter(program=rworld.program, question=rworld.adult.question).count() == 1
    # Renaming another question to it is refused the same way; saving a criterion unchanged is not.
    response = client.post(reverse("referrals:criterion_edit", args=[rworld.warrant.pk]), data)
    assert response.status_code == 400
    response = client.post(reverse("referrals:criterion_edit", args=[rworld.adult.pk]), data)
    assert response.status_code == 302


def test_officers_cannot_configure_criteria(client, rworld):
    client.force_login(rworld.officer)
    assert client.get(reverse("referrals:criteria")).status_code == 404
    assert client.get(reverse("referrals:criterion_edit", args=[rworld.adult.pk])).status_code == 404


def test_other_programs_criterion_is_404(client, rworld):
    from referrals.tests.factories import CriterionFactory

    other = CriterionFactory(program=rworld.other_program)
    client.force_login(rworld.coordinator)
    assert client.get(reverse("referrals:criterion_edit", args=[other.pk])).status_code == 404


def test_median_completion_time_against_booking(client, rworld):
    now = timezone.now()
    for seconds in (120, 240, 600):
        ReferralFactory(
            program=rworld.program,
            officer=rworld.officer,
            agency=rworld.police,
            provider=rworld.provider,
            completion_seconds=seconds,
            created_at=now,
        )
    ReferralFactory(
        program=rworld.program,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        completion_seconds=9999,
        created_at=now - datetime.timedelta(days=200),
    )
    times = completion_times(rworld.program)
    assert (times.referrals, times.median_minutes, times.minutes_saved_each) == (3, 4.0, 86.0)
    client.force_login(rworld.officer)
    body = client.get(reverse("program_detail", args=[rworld.program.pk])).content.decode()
    assert "4.0 min" in body and "about 86.0 minutes" in body
    assert "Is the person 18 or older?" in body

"""Each provider sees only its own episodes of a person (SECURITY.md 28).

Harbor Light (`case_manager`) and Second Chance (`peer`) both hold episodes of the
same person. Neither sees the other's referral, status, consent or outcome, nor a
duplicate hint about people only the other holds; a merge moves only the merger's part.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import AuditEvent
from referrals import services
from referrals.models import OutcomeKind, Participant, Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

DOB = datetime.date(1979, 2, 3)


@pytest.fixture
def person(rworld, second_provider):
    participant = ParticipantFactory(program=rworld.program, first_name="Casey", last_name="Quinnell", date_of_birth=DOB)
    rworld.at_a = ReferralFactory(
        program=rworld.program,
        participant=participant,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        status=Status.CONTACTED,
    )
    rworld.at_b = ReferralFactory(
        program=rworld.program,
        participant=participant,
        officer=rworld.officer,
        agency=rworld.police,
        provider=second_provider,
        status=Status.NO_CAPACITY,
    )
    rworld.consent_b = ConsentFactory(
        participant=participant,
        disclosing_agency=second_provider,
        witnessed_by=rworld.peer,
        recipient_officer=rworld.officer,
    )
    services.outcome_record(
        participant=participant,
        kind=OutcomeKind.NONFATAL_OVERDOSE,
        occurred_on=timezone.localdate(),
        by=rworld.peer,
        provider_id=second_provider.pk,
    )
    return participant


def test_participant_page_shows_only_the_viewers_episodes(client, rworld, person):
    client.force_login(rworld.case_manager)
    body = client.get(reverse("referrals:participant", args=[person.pk])).content.decode()
    assert rworld.at_a.reference in body
    assert rworld.at_b.reference not in body
    assert "No capacity" not in body
    assert f"Consent {rworld.consent_b.pk}" not in body
    assert "Non-fatal overdose on" not in body
    assert "Second Chance" not in body

    client.force_login(rworld.peer)
    body = client.get(reverse("referrals:participant", args=[person.pk])).content.decode()
    assert rworld.at_b.reference in body and rworld.at_a.reference not in body
    assert f"Consent {rworld.consent_b.pk}" in body and "Non-fatal overdose on" in body


def test_another_providers_consent_and_referral_are_404_and_audited(client, rworld, person):
    client.force_login(rworld.case_manager)
    assert client.get(reverse("referrals:consent", args=[rworld.consent_b.pk])).status_code == 404
    assert client.get(reverse("referrals:detail", args=[rworld.at_b.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=rworld.case_manager).count() == 2


def test_disclosures_of_another_providers_episode_are_not_listed(client, rworld, person):
    client.force_login(rworld.officer)
    client.get(reverse("referrals:mine"))  # discloses provider B's episode under provider B's consent
    assert AuditEvent.objects.filter(action="disclosure").count() == 1
    client.force_login(rworld.case_manager)
    body = client.get(reverse("referrals:participant", args=[person.pk])).content.decode()
    assert "Waiting for a treatment opening" not in body and "No disclosures." in body


def test_possible_duplicates_name_only_people_the_viewers_provider_holds(client, rworld, person):
    # A sound-alike spelling: a near match to `person`.
    known_only_at_b = ParticipantFactory(program=rworld.program, first_name="Casey", last_name="Quinnel", date_of_birth=DOB)
    ReferralFactory(
        program=rworld.program,
        participant=known_only_at_b,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.second_provider,
    )
    client.force_login(rworld.case_manager)
    body = client.get(reverse("referrals:participant", args=[person.pk])).content.decode()
    assert "Possible duplicate" not in body and f"P-{known_only_at_b.pk}:" not in body
    client.force_login(rworld.peer)
    body = client.get(reverse("referrals:participant", args=[person.pk])).content.decode()
    assert "Possible duplicate" in body and f"P-{known_only_at_b.pk}:" in body


def test_a_merge_moves_only_the_mergers_part_of_the_duplicate(client, rworld, person):
    duplicate = ParticipantFactory(program=rworld.program, first_name="Kasey", last_name="Quinnell", date_of_birth=DOB)
    mine = ReferralFactory(
        program=rworld.program,
        participant=duplicate,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
    )
    theirs = ReferralFactory(
        program=rworld.program,
        participant=duplicate,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.second_provider,
    )
    client.force_login(rworld.case_manager)
    assert client.post(reverse("referrals:merge", args=[person.pk, duplicate.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.participant_id == person.pk and mine.origin_participant_id == duplicate.pk
    assert theirs.participant_id == duplicate.pk  # Second Chance's episode stays where Second Chance put it
    assert Participant.objects.get(pk=duplicate.pk).merged_into_id is None
    assert AuditEvent.objects.get(action="participant.merge").detail["whole_record"] is False


def test_participant_page_runs_constant_queries(client, rworld, person, django_assert_max_num_queries):
    for _ in range(30):
        ReferralFactory(
            program=rworld.program,
            participant=person,
            officer=rworld.officer,
            agency=rworld.police,
            provider=rworld.provider,
        )
    client.force_login(rworld.case_manager)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("referrals:participant", args=[person.pk])).status_code == 200

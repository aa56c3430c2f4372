"""Duplicate detection on keyed hashes; merges keep every referral and are audited."""

import datetime

import pytest
from django.urls import reverse

from deflection.models import AuditEvent
from referrals.matching import match_keys, soundex
from referrals.models import Participant, ParticipantMatchKey
from referrals.tests.factories import ParticipantFactory, ReferralFactory

DOB = datetime.date(1985, 7, 4)


@pytest.mark.parametrize(
    ("name", "code"),
    [("robert", "R163"), ("rupert", "R163"), ("ashcraft", "A261"), ("tymczak", "T522"), ("pfister", "P236"), ("lee", "L000")],
)
def test_soundex(name, code):
    assert soundex(name) == code


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("William", "Smith"), ("Bill", "Smith")),  # nickname
        (("Katherine", "Smyth"), ("Katherine", "Smith")),  # sound-alike spelling
        (("Maria", "Lopez"), ("Lopez", "Maria")),  # swapped
        (("José", "Núñez"), ("jose", "NUNEZ")),  # accents and case: the exact key
    ],
)
def test_name_variants_share_a_key(a, b):
    assert set(match_keys(*a, DOB)) & set(match_keys(*b, DOB))


def test_different_people_share_no_key():
    assert not set(match_keys("William", "Smith", DOB)) & set(match_keys("William", "Smith", DOB.replace(day=5)))
    assert not set(match_keys("Anna", "Kowalski", DOB)) & set(match_keys("Brian", "Okafor", DOB))


def test_keys_are_keyed_hashes_not_clear_text(rworld):
    participant = ParticipantFactory(program=rworld.program, first_name="William", last_name="Smith", date_of_birth=DOB)
    for digest in ParticipantMatchKey.objects.filter(participant=participant).values_list("digest", flat=True):
        assert len(digest) == 64 and "smith" not in digest.lower()


def test_case_manager_sees_near_match_and_merge_keeps_every_referral(client, rworld):
    william = ParticipantFactory(program=rworld.program, first_name="William", last_name="Smith", date_of_birth=DOB)
    bill = ParticipantFactory(program=rworld.program, first_name="Bill", last_name="Smith", date_of_birth=DOB)
    for person in (william, william, bill):
        ReferralFactory(
            program=rworld.program, participant=person, officer=rworld.officer, agency=rworld.police, provider=rworld.provider
        )
    client.force_login(rworld.case_manager)
    page = client.get(reverse("referrals:participant", args=[william.pk])).content.decode()
    assert "Possible duplicate records" in page and f"P-{bill.pk}" in page
    response = client.post(reverse("referrals:merge", args=[william.pk, bill.pk]))
    assert response.status_code == 302
    assert william.referrals.count() == 3
    assert Participant.objects.get(pk=bill.pk).merged_into_id == william.pk
    event = AuditEvent.objects.get(action="participant.merge")
    assert event.detail == {"merged": bill.pk, "referrals_moved": 1, "whole_record": True}
    assert "Possible duplicate" not in client.get(reverse("referrals:participant", args=[william.pk])).content.decode()


def test_officer_cannot_merge(client, rworld):
    a = ParticipantFactory(program=rworld.program)
    b = ParticipantFactory(program=rworld.program)
    ReferralFactory(program=rworld.program, participant=a, officer=rworld.officer, provider=rworld.provider)
    client.force_login(rworld.officer)
    assert client.post(reverse("referrals:merge", args=[a.pk, b.pk])).status_code == 404
    assert Participant.objects.get(pk=b.pk).merged_into is None

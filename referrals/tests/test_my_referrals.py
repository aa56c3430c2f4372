"""My referrals (issue 12): cards an officer can tell apart, search, pages, and a constant query count."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from deflection.models import AuditEvent, Pathway
from referrals.disclosure import RECEIVED_ONLY
from referrals.models import Status
from referrals.tests.factories import ConsentFactory, ParticipantFactory, ReferralFactory

URL = reverse("referrals:mine")
# 01:14 UTC on November 29 is 19:14 on November 28 in America/Chicago (the program's zone).
EVENING_IN_CHICAGO = datetime.datetime(2026, 11, 29, 1, 14, tzinfo=datetime.UTC)


@pytest.fixture
def officer(client, rworld):
    client.force_login(rworld.officer)
    return client


def make(rworld, **kwargs):
    defaults = {"program": rworld.program, "officer": rworld.officer, "agency": rworld.police, "provider": rworld.provider}
    return ReferralFactory(**{**defaults, **kwargs})


def test_a_card_shows_initials_local_time_with_zone_place_pathway(client, rworld):
    person = ParticipantFactory(program=rworld.program, first_name="Jamie", last_name="Doyle")
    referral = make(
        rworld,
        participant=person,
        created_at=EVENING_IN_CHICAGO,
        location="Corner of 5th and Main",
        pathway=Pathway.NALOXONE_PLUS,
    )
    with time_machine.travel(EVENING_IN_CHICAGO + datetime.timedelta(minutes=5), tick=False):
        client.force_login(rworld.officer)
        body = client.get(URL).content.decode()
    assert f"{referral.reference} · <span data-initials>J. D.</span>" in body
    assert "Nov 28, 2026 19:14 CST" in body and "Nov 29" not in body
    assert "Corner of 5th and Main" in body and "Naloxone plus" in body
    # Initials only: the full name and the date of birth never reach the officer's list.
    assert "Jamie" not in body and "Doyle" not in body and "1990" not in body
    event = AuditEvent.objects.get(action="referrals.mine.view", actor=rworld.officer)
    assert event.detail == {"rows": 1, "page": 1, "search": ""}


def test_a_card_shows_status_only_as_far_as_consent_allows(officer, rworld):
    consented = make(rworld, status=Status.INTAKE_SCHEDULED)
    ConsentFactory(
        participant=consented.participant,
        recipient_officer=rworld.officer,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
    )
    make(rworld, status=Status.INTAKE_SCHEDULED)  # no consent
    body = officer.get(URL).content.decode()
    assert body.count("Intake scheduled") == 1 and body.count(RECEIVED_ONLY) == 1


def test_search_by_reference_and_by_name_and_date_of_birth(officer, rworld):
    jamie = make(rworld, participant=ParticipantFactory(program=rworld.program, first_name="Jamie", last_name="Rivera"))
    other = make(rworld, participant=ParticipantFactory(program=rworld.program, first_name="Casey", last_name="Quinn"))
    theirs = make(rworld, officer=rworld.other_officer)

    body = officer.get(URL, {"q": jamie.reference.lower()}).content.decode()
    assert f'data-reference="{jamie.reference}"' in body and f'data-reference="{other.reference}"' not in body
    body = officer.get(URL, {"q": str(jamie.pk)}).content.decode()
    assert f'data-reference="{jamie.reference}"' in body and f'data-reference="{other.reference}"' not in body

    # The name is matched through the blind index, as on the worklist; case and spacing do not matter.
    body = officer.get(URL, {"first_name": " JAMIE", "last_name": "rivera", "dob": "1990-05-17"}).content.decode()
    assert f'data-reference="{jamie.reference}"' in body and f'data-reference="{other.reference}"' not in body
    body = officer.get(URL, {"first_name": "Jamie", "last_name": "Rivera", "dob": "1991-05-17"}).content.decode()
    assert "None of your referrals matches this search." in body
    # Another officer's referral is not found, even by its reference.
    assert f'data-reference="{theirs.reference}"' not in officer.get(URL, {"q": theirs.reference}).content.decode()
    event = AuditEvent.objects.filter(action="referrals.mine.view").order_by("-pk")[1]
    assert event.detail["search"] == "person" and "Jamie" not in str(event.detail)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"q": "Robert'); DROP"}, "Search by reference: R-000123"),
        ({"dob": "31/12/1990", "first_name": "A", "last_name": "B"}, "use the date picker"),
        ({"first_name": "Jamie"}, "give the first name, the last name and the date of birth"),
        ({"page": "99999"}, ""),
        ({"page": "x²"}, ""),
    ],
)
def test_bad_search_input_is_explained_never_a_500(officer, rworld, query, message):
    make(rworld)
    response = officer.get(URL, query)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_pages_with_a_constant_query_count(officer, rworld, django_assert_max_num_queries):
    for i in range(30):
        ref = make(rworld, participant__first_name=f"P{i}")
        if i % 2:
            ConsentFactory(
                participant=ref.participant,
                recipient_officer=rworld.officer,
                disclosing_agency=rworld.provider,
                witnessed_by=rworld.case_manager,
            )
    officer.get(URL)  # the session's time zone is looked up once
    # session, user, count, page, consents, disclosures, the audit row (3), notices read, role, session (3)
    with django_assert_max_num_queries(14) as small:
        first = officer.get(URL)
    for _i in range(60):
        make(rworld)
    with django_assert_max_num_queries(len(small.captured_queries)):
        last = officer.get(URL, {"page": "4"})
    assert first.content.decode().count('data-reference="') == 25
    body = last.content.decode()
    assert "Page 4 of 4 (90)" in body and body.count('data-reference="') == 15
    assert 'href="?page=3"' in body
    # Search terms are kept across pages.
    body = officer.get(URL, {"first_name": "P1", "last_name": "x", "dob": "1990-05-17", "page": "2"}).content.decode()
    assert "None of your referrals matches this search." in body

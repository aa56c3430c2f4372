"""The case manager's worklist: needs action now first, filters, search through the blind index, pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.models import Pathway, Role
from deflection.tests.factories import AgencyFactory, MembershipFactory, UserFactory
from referrals.models import Handoff, Status
from referrals.tests.factories import ParticipantFactory, ReferralFactory

URL = reverse("referrals:queue")


@pytest.fixture
def cm(client, rworld):
    client.force_login(rworld.case_manager)
    return client


def make(rworld, **kwargs):
    defaults = {
        "program": rworld.program,
        "officer": rworld.officer,
        "agency": rworld.police,
        "provider": rworld.provider,
        "handoff": Handoff.FOLLOW_UP,
        "acknowledged_at": timezone.now(),
        "first_contact_at": timezone.now(),
        "status": Status.CONTACTED,
    }
    return ReferralFactory(**{**defaults, **kwargs})


def order_of(response, referrals):
    body = response.content.decode()
    return sorted(referrals, key=lambda r: body.index(f'data-reference="{r.reference}"'))


def test_needs_action_now_comes_first_in_its_order(cm, rworld):
    now = timezone.now()
    # Created oldest first, so that "oldest first" alone would give the reverse order.
    rest = make(rworld, created_at=now - datetime.timedelta(hours=10))
    mine = make(
        rworld,
        created_at=now - datetime.timedelta(hours=9),
        next_step="Call",
        next_step_owner=rworld.case_manager,
        next_step_due=now + datetime.timedelta(days=3),
    )
    due = make(
        rworld,
        created_at=now - datetime.timedelta(hours=8),
        next_step="Call",
        next_step_owner=rworld.officer,
        next_step_due=now - datetime.timedelta(hours=1),
    )
    late = make(rworld, created_at=now - datetime.timedelta(hours=30), first_contact_at=None, status=Status.CONTACT_ATTEMPTED)
    new = make(
        rworld, created_at=now - datetime.timedelta(hours=2), acknowledged_at=None, first_contact_at=None, status=Status.RECEIVED
    )
    warm = make(
        rworld,
        created_at=now - datetime.timedelta(minutes=5),
        acknowledged_at=None,
        first_contact_at=None,
        status=Status.RECEIVED,
        handoff=Handoff.WARM,
    )
    response = cm.get(URL)
    assert order_of(response, [rest, mine, due, late, new, warm]) == [warm, new, late, due, mine, rest]
    body = response.content.decode()
    assert (
        body.index("Needs action now") < body.index(warm.reference) < body.index("Everything else") < body.index(rest.reference)
    )
    assert "overdue</span>" in body  # the next step past its due date is flagged


def test_filters_narrow_the_list(cm, rworld):
    sheriff = AgencyFactory(kind="sheriff")
    rworld.program.partners.add(sheriff)
    a = make(rworld, pathway=Pathway.NALOXONE_PLUS, handoff=Handoff.WARM)
    b = make(rworld, pathway=Pathway.SELF_REFERRAL, agency=sheriff)
    engaged = make(rworld, status=Status.ENGAGED, engaged_service_kind="moud")
    owned = make(rworld, assigned_to=rworld.case_manager)

    def refs(**params):
        body = cm.get(URL, params).content.decode()
        return {r for r in (a, b, engaged, owned) if f'data-reference="{r.reference}"' in body}

    assert refs() == {a, b, owned}  # open referrals by default
    assert refs(pathway=Pathway.NALOXONE_PLUS) == {a}
    assert refs(handoff=Handoff.WARM) == {a}
    assert refs(agency=sheriff.pk) == {b}
    assert refs(status="in_treatment") == {engaged}
    assert refs(assignee=rworld.case_manager.pk) == {owned}


def test_search_by_reference_or_by_name_and_date_of_birth(cm, rworld):
    person = ParticipantFactory(
        program=rworld.program, first_name="Marguerite", last_name="Okonkwo", date_of_birth=datetime.date(1979, 4, 2)
    )
    found = make(rworld, participant=person)
    other = make(rworld)
    body = cm.get(URL, {"q": found.reference}).content.decode()
    assert found.reference in body and other.reference not in body
    body = cm.get(URL, {"first_name": "marguerite", "last_name": "OKONKWO", "dob": "1979-04-02"}).content.decode()
    assert found.reference in body and other.reference not in body
    body = cm.get(URL, {"first_name": "Marguerite", "last_name": "Okonkwo", "dob": "1979-04-03"}).content.decode()
    assert found.reference not in body


def test_bad_filter_values_are_a_message_not_an_error(cm, rworld):
    response = cm.get(URL, {"q": "'; drop", "assignee": "x" * 40, "status": "nope", "dob": "31/31/31", "page": "zz"})
    assert response.status_code == 200
    assert b"Ignored an invalid assignee" in response.content


def test_items_assigned_to_me_need_action_now_and_show_their_assignee(cm, rworld):
    now = timezone.now()
    colleague = UserFactory(username="colleague", first_name="Hyacinth", last_name="Bramblecote")
    MembershipFactory(user=colleague, agency=rworld.provider, role=Role.CASE_MANAGER, badge_number="")
    theirs = make(rworld, created_at=now - datetime.timedelta(hours=10), assigned_to=colleague)
    mine = make(rworld, created_at=now - datetime.timedelta(hours=1), assigned_to=rworld.case_manager)
    body = cm.get(URL).content.decode()
    assert order_of(cm.get(URL), [theirs, mine]) == [mine, theirs]
    assert body.index("Assigned to me") < body.index("Everything else") < body.index(theirs.reference)
    assert "Assigned to Hyacinth Bramblecote" in body and "Assigned to you" in body
    body = cm.get(URL, {"assignee": colleague.pk}).content.decode()
    assert theirs.reference in body and mine.reference not in body


def test_worklist_pages_with_a_constant_query_count(cm, rworld, django_assert_max_num_queries):
    team = [rworld.case_manager]
    for n in range(4):
        user = UserFactory(username=f"cm{n}", first_name=f"Case{n}", last_name="Manager")
        MembershipFactory(user=user, agency=rworld.provider, role=Role.CASE_MANAGER, badge_number="")
        team.append(user)
    for i in range(60):
        make(
            rworld,
            status=Status.RECEIVED if i % 3 else Status.CONTACTED,
            acknowledged_at=None if i % 2 else timezone.now(),
            assigned_to=team[i % len(team)],
        )
    cm.get(URL)  # the session's time zone is looked up once
    with django_assert_max_num_queries(19) as small:
        first = cm.get(URL)
    for i in range(200):
        make(rworld, assigned_to=team[i % len(team)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        last = cm.get(URL, {"page": "11"})
    assert first.content.decode().count('data-reference="') == 25
    assert "Page 11 of 11" in last.content.decode()

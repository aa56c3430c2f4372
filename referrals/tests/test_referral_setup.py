"""The referral form's program setup is cached between changes: every change shows at once, and a
submit costs a fixed, small number of queries."""

import uuid

from django.urls import reverse

from referrals.models import CriterionKind, Referral
from referrals.tests.conftest import referral_post
from referrals.tests.factories import CriterionFactory

URL = reverse("referrals:new")


def test_a_new_checklist_item_shows_on_the_next_form(client, rworld):
    client.force_login(rworld.officer)
    assert "Under the influence of alcohol only?" not in client.get(URL).content.decode()
    CriterionFactory(program=rworld.program, question="Under the influence of alcohol only?", position=5)
    assert "Under the influence of alcohol only?" in client.get(URL).content.decode()


def test_a_retired_checklist_item_no_longer_blocks_a_submit(client, rworld):
    client.force_login(rworld.officer)
    client.get(URL)  # the setup is cached now
    rworld.adult.is_active = False
    rworld.adult.save(update_fields=["is_active"])
    response = client.post(URL, referral_post(rworld, **{f"criterion_{rworld.adult.pk}": "no"}))
    assert response.status_code == 302 and Referral.objects.count() == 1


def test_an_agency_dropped_from_the_program_can_no_longer_refer(client, rworld):
    client.force_login(rworld.deputy)  # the sheriff's office is a partner
    assert client.get(URL).status_code == 200
    rworld.program.partners.remove(rworld.sheriff)
    assert client.get(URL).status_code == 404


def test_a_new_case_management_agency_receives_the_next_follow_up(client, rworld):
    client.force_login(rworld.officer)
    client.get(URL)
    rworld.program.case_management_agency = rworld.sheriff
    rworld.program.save(update_fields=["case_management_agency"])
    client.post(URL, referral_post(rworld, handoff="case_manager_followup", service=None))
    assert Referral.objects.get().provider == rworld.sheriff


def test_a_submit_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, rworld):
    """Session, user and memberships; the chosen service; the participant look-up; the case manager's
    turn (round robin, one SELECT); referral, status and
    audit inserts; the session save. A new participant adds its own two inserts. Nothing grows with the
    program's checklist or size."""
    CriterionFactory.create_batch(8, program=rworld.program, kind=CriterionKind.HARD)
    answers = {f"criterion_{c.pk}": "yes" for c in rworld.program.criteria.all()}
    answers[f"criterion_{rworld.warrant.pk}"] = "no"
    client.force_login(rworld.officer)
    assert client.post(URL, referral_post(rworld, **answers)).status_code == 302  # caches the setup
    with django_assert_max_num_queries(20) as queries:
        # send_as_new: the officer already answered the repeat question (which costs one more SELECT)
        response = client.post(URL, referral_post(rworld, idempotency_key=str(uuid.uuid4()), send_as_new="1", **answers))
    assert response.status_code == 302
    statements = [q["sql"].split()[0] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert statements == ["SELECT"] * 6 + ["INSERT"] * 3 + ["UPDATE"]
    assert Referral.objects.count() == 2

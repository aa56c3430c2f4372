"""The HUB pages: who sees what, 404 when the program does not run HUB, bad input answers 4xx."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.models import AuditEvent, AuditOutcome
from referrals.hub import services
from referrals.hub.models import RiskFactor, Situation, SituationIdentity, SituationStatus
from referrals.hub.tests.conftest import IDENTITY, decide_acute, present

NAME = IDENTITY["last_name"]


def _pages(hub, situation):
    return [
        reverse("hub:table", args=[hub.table.pk]),
        reverse("hub:figures", args=[hub.table.pk]),
        reverse("hub:meeting", args=[hub.meeting.pk]),
        reverse("hub:situation", args=[situation.pk]),
        reverse("hub:situation_new", args=[hub.table.pk]),
        reverse("hub:decide", args=[situation.pk]),
        reverse("hub:identity", args=[situation.pk]),
        reverse("hub:table_new", args=[hub.program.pk]),
    ]


def test_every_page_is_404_when_the_program_does_not_run_hub(client, hub):
    situation = decide_acute(hub, present(hub))
    services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    hub.program.program_types = []
    hub.program.save(update_fields=["program_types"])
    for user in (hub.coordinator, hub.case_manager, hub.administrator):
        client.force_login(user)
        for path in _pages(hub, situation):
            assert client.get(path).status_code == 404, path
        assert hub.table.name not in client.get(reverse("hub:home")).content.decode()
        assert "Situation tables" not in client.get("/").content.decode()


def test_the_menu_shows_the_tables_only_where_the_program_runs_hub(client, hub):
    client.force_login(hub.case_manager)
    assert "Situation tables" in client.get(reverse("hub:home")).content.decode()
    client.force_login(hub.outsider)  # another program, which runs no HUB
    assert "Situation tables" not in client.get(reverse("home"), follow=True).content.decode()


def test_no_identity_on_any_page_before_the_decision_or_to_unassigned_agencies(client, hub):
    situation = present(hub)
    # Nothing to share before the decision: the share page refuses and saves nothing.
    client.force_login(hub.case_manager)
    response = client.post(reverse("hub:identity_share", args=[situation.pk]), IDENTITY)
    assert response.status_code == 409
    assert not SituationIdentity.objects.exists()
    assert client.get(reverse("hub:identity", args=[situation.pk])).status_code == 404

    client.force_login(hub.coordinator)
    response = client.post(
        reverse("hub:decide", args=[situation.pk]),
        {"decision": "acute", "lead_agency": hub.provider.pk, "assisting_agencies": [hub.police.pk]},
    )
    assert response.status_code == 302
    client.force_login(hub.case_manager)
    assert client.post(reverse("hub:identity_share", args=[situation.pk]), IDENTITY).status_code == 302

    for user in (hub.case_manager, hub.supervisor):  # lead, assisting
        client.force_login(user)
        assert NAME not in client.get(reverse("hub:situation", args=[situation.pk])).content.decode()
        assert NAME in client.get(reverse("hub:identity", args=[situation.pk])).content.decode()
    client.force_login(hub.deputy)  # a member of the table, not assigned
    for path in _pages(hub, situation)[:4]:
        response = client.get(path)
        assert response.status_code == 200 and NAME not in response.content.decode(), path
    assert client.get(reverse("hub:identity", args=[situation.pk])).status_code == 404
    denied = AuditEvent.objects.filter(action="access.denied", object_type="hub.situationidentity", actor_username="deputy")
    assert denied.get().outcome == AuditOutcome.DENIED
    reveals = AuditEvent.objects.filter(action="hub.identity.reveal", object_id=str(situation.pk))
    assert sorted(reveals.values_list("actor_username", flat=True)) == ["casemanager", "sergeant"]


def test_people_outside_the_table_get_404(client, hub):
    situation = present(hub)
    for user in (hub.outsider, hub.dispatcher):
        client.force_login(user)
        for path in _pages(hub, situation):
            assert client.get(path).status_code == 404, (user, path)


def test_only_the_chair_decides_and_only_the_lead_records_and_closes(client, hub):
    situation = present(hub)
    client.force_login(hub.case_manager)
    assert client.get(reverse("hub:decide", args=[situation.pk])).status_code == 404
    situation = decide_acute(hub, situation)
    client.force_login(hub.supervisor)  # assisting, not the lead
    assert client.get(reverse("hub:intervention", args=[situation.pk])).status_code == 404
    assert client.get(reverse("hub:close", args=[situation.pk])).status_code == 404
    client.force_login(hub.case_manager)
    assert client.post(reverse("hub:intervention", args=[situation.pk]), {"took_part": [hub.provider.pk]}).status_code == 302
    assert client.post(reverse("hub:close", args=[situation.pk]), {"reason": "risk_reduced"}).status_code == 302
    situation.refresh_from_db()
    assert situation.status == SituationStatus.CLOSED


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("present", {"meeting": "²", "presenting_agency": "x", "risk_factors": ["nonsense"], "age_group": "200"}),
        ("present", {"risk_factors": []}),
        ("decide", {"decision": "maybe", "lead_agency": "99999999999999999999999"}),
        ("intervention", {"took_part": ["garbage"]}),
        ("close", {"reason": "bored"}),
        ("share", {"first_name": "", "date_of_birth": "9999-12-31"}),
        ("meeting", {"starts_at": "0001-01-01T00:00"}),
        ("record", {"attended_by": ["a\x00b"]}),
    ],
)
def test_bad_input_answers_4xx_and_saves_nothing(client, hub, name, data):
    situation = decide_acute(hub, present(hub)) if name in {"intervention", "close", "share"} else present(hub)
    user = {"decide": hub.coordinator, "meeting": hub.coordinator, "record": hub.coordinator}.get(name, hub.case_manager)
    path = {
        "present": reverse("hub:situation_new", args=[hub.table.pk]),
        "decide": reverse("hub:decide", args=[situation.pk]),
        "intervention": reverse("hub:intervention", args=[situation.pk]),
        "close": reverse("hub:close", args=[situation.pk]),
        "share": reverse("hub:identity_share", args=[situation.pk]),
        "meeting": reverse("hub:meeting_new", args=[hub.table.pk]),
        "record": reverse("hub:meeting", args=[hub.meeting.pk]),
    }[name]
    before = (Situation.objects.count(), SituationIdentity.objects.count(), situation.status)
    client.force_login(user)
    response = client.post(path, data)
    assert 400 <= response.status_code < 500
    situation.refresh_from_db()
    assert (Situation.objects.count(), SituationIdentity.objects.count(), situation.status) == before


def test_a_second_decision_is_409(client, hub):
    situation = decide_acute(hub, present(hub))
    client.force_login(hub.coordinator)
    response = client.post(reverse("hub:decide", args=[situation.pk]), {"decision": "below", "lead_agency": hub.provider.pk})
    assert response.status_code == 409
    assert "already decided" in response.content.decode()


def test_hostile_ids_do_not_reach_the_views(client, hub):
    client.force_login(hub.coordinator)
    for bad in ("²", "99999999999999999999999", "garbage"):
        assert client.get(f"/hub/situations/{bad}/").status_code == 404


def test_presenting_from_the_page_and_the_chair_recording_the_meeting(client, hub):
    client.force_login(hub.case_manager)
    response = client.post(
        reverse("hub:situation_new", args=[hub.table.pk]),
        {
            "meeting": hub.meeting.pk,
            "presenting_agency": hub.provider.pk,
            "risk_factors": [RiskFactor.SUBSTANCE_USE, RiskFactor.MENTAL_HEALTH],
            "age_group": "18_24",
            "lead_agency": hub.provider.pk,
        },
    )
    assert response.status_code == 302
    situation = Situation.objects.get()
    assert situation.presented_by == hub.case_manager and situation.status == SituationStatus.PRESENTED
    client.force_login(hub.coordinator)
    response = client.post(
        reverse("hub:meeting", args=[hub.meeting.pk]),
        {"attended_by": [hub.police.pk, hub.provider.pk], "agenda": "Roll call; new situations", "minutes": "Two agencies."},
    )
    assert response.status_code == 302
    hub.meeting.refresh_from_db()
    assert hub.meeting.minutes == "Two agencies." and hub.meeting.attended_by.count() == 2


def test_the_table_page_reads_in_a_fixed_number_of_queries(client, hub, django_assert_max_num_queries):
    for _ in range(15):
        decide_acute(hub, present(hub))
    for _ in range(10):
        present(hub)
    services.meeting_schedule(
        table=hub.table, starts_at=timezone.now() + timedelta(days=7), audit=AuditContext(actor=hub.coordinator)
    )
    client.force_login(hub.case_manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("hub:table", args=[hub.table.pk]))
    assert response.content.decode().count("S-0") == 25

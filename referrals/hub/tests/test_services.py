"""The four filters in the services: decision once, identity only after an acute decision, the 48-hour clock."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from deflection.audit import AuditContext
from deflection.errors import ServiceError
from deflection.models import AuditEvent
from referrals.hub import access, selectors, services
from referrals.hub.models import CloseReason, SituationIdentity, SituationStatus
from referrals.hub.tests.conftest import IDENTITY, decide_acute, present


def test_identity_cannot_be_shared_before_the_decision(hub):
    situation = present(hub)
    with pytest.raises(ServiceError) as refused:
        services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    assert refused.value.status == 409
    assert not SituationIdentity.objects.exists()
    # Nobody, not even the presenting agency, reads an identity before the decision.
    for user in (hub.case_manager, hub.supervisor, hub.coordinator, hub.deputy, hub.administrator):
        assert selectors.identity_for(user, situation) is None
        assert not access.may_see_identity(user, situation)


def test_below_the_threshold_keeps_only_the_de_identified_record(hub):
    situation = present(hub)
    services.situation_decide(situation=situation, acute=False, audit=AuditContext(actor=hub.coordinator))
    situation.refresh_from_db()
    assert situation.status == SituationStatus.BELOW_THRESHOLD
    assert situation.intervention_due_at is None and not situation.assignments.exists()
    with pytest.raises(ServiceError) as refused:
        services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    assert refused.value.code == services.BELOW_THRESHOLD
    assert not SituationIdentity.objects.filter(situation=situation).exists()
    assert selectors.identity_for(hub.case_manager, situation) is None


def test_the_table_decides_once(hub):
    situation = present(hub)
    decide_acute(hub, situation)
    with pytest.raises(ServiceError) as refused:
        services.situation_decide(situation=situation, acute=False, audit=AuditContext(actor=hub.coordinator))
    assert refused.value.status == 409


def test_identity_is_shared_with_the_lead_and_assisting_agencies_alone(hub):
    situation = decide_acute(hub, present(hub))
    services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    assert selectors.identity_for(hub.case_manager, situation).last_name == "Marchbanks"  # lead
    assert selectors.identity_for(hub.supervisor, situation).last_name == "Marchbanks"  # assisting (police)
    # The sheriff sits at the table but was not assigned; dispatchers never sit; administrators are not assigned.
    for user in (hub.deputy, hub.dispatcher, hub.administrator, hub.outsider):
        assert selectors.identity_for(user, situation) is None
    # Encrypted at rest: the clear name is nowhere in the row.
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, last_name, address FROM hub_situationidentity")
        raw = " ".join(cursor.fetchone())
    assert "Marchbanks" not in raw and "Quarry" not in raw


def test_the_presenting_agency_is_always_assigned(hub):
    situation = present(hub, presenting_agency=hub.sheriff, audit=AuditContext(actor=hub.deputy))
    decide_acute(hub, situation, assisting_agencies=[])
    roles = dict(situation.assignments.values_list("agency_id", "role"))
    assert roles == {hub.provider.pk: "lead", hub.sheriff.pk: "assisting"}


def test_each_reveal_is_audited(hub):
    situation = decide_acute(hub, present(hub))
    services.identity_share(situation=situation, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    for _ in range(2):
        services.identity_reveal(situation=situation, audit=AuditContext(actor=hub.supervisor))
    reveals = AuditEvent.objects.filter(action="hub.identity.reveal", object_id=str(situation.pk))
    assert reveals.count() == 2
    assert set(reveals.values_list("actor_username", flat=True)) == {"sergeant"}
    assert "Marchbanks" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_the_48_hour_intervention_clock(hub):
    situation = present(hub)
    decided = decide_acute(hub, situation)
    assert decided.intervention_due_at == decided.decided_at + timedelta(hours=48)
    with time_machine.travel(decided.decided_at + timedelta(hours=47)):
        assert not decided.intervention_overdue()
        assert not selectors.overdue_interventions(hub.table).exists()
    with time_machine.travel(decided.decided_at + timedelta(hours=49)):
        assert decided.intervention_overdue()
        assert list(selectors.overdue_interventions(hub.table)) == [decided]
        late = services.intervention_record(
            situation=decided, took_part=[hub.provider], audit=AuditContext(actor=hub.case_manager)
        )
    assert late.intervention_in_window is False and not late.intervention_overdue()


def test_intervention_within_48_hours_then_closed_with_a_reason(hub):
    situation = decide_acute(hub, present(hub))
    with time_machine.travel(situation.decided_at + timedelta(hours=20)):
        done = services.intervention_record(
            situation=situation, took_part=[hub.provider, hub.police], audit=AuditContext(actor=hub.case_manager)
        )
    assert done.intervention_in_window is True
    assert set(done.assignments.filter(took_part=True).values_list("agency_id", flat=True)) == {hub.provider.pk, hub.police.pk}
    with pytest.raises(ServiceError):
        services.situation_close(situation=done, reason="bored", audit=AuditContext(actor=hub.case_manager))
    closed = services.situation_close(situation=done, reason=CloseReason.CONNECTED, audit=AuditContext(actor=hub.case_manager))
    assert closed.status == SituationStatus.CLOSED and closed.closed_at <= timezone.now()
    with pytest.raises(ServiceError) as again:
        services.situation_close(situation=done, reason=CloseReason.OTHER, audit=AuditContext(actor=hub.case_manager))
    assert again.value.status == 409
    with pytest.raises(ServiceError) as late_identity:
        services.identity_share(situation=done, **IDENTITY, audit=AuditContext(actor=hub.case_manager))
    assert late_identity.value.code == "closed"


def test_intervention_only_by_assigned_agencies(hub):
    situation = decide_acute(hub, present(hub))
    with pytest.raises(ServiceError) as refused:
        services.intervention_record(situation=situation, took_part=[hub.sheriff], audit=AuditContext(actor=hub.case_manager))
    assert refused.value.status == 400


def test_only_member_agencies_present_or_lead(hub, world):
    with pytest.raises(ServiceError):
        present(hub, presenting_agency=world.outsider_agency)
    situation = present(hub)
    with pytest.raises(ServiceError):
        decide_acute(hub, situation, lead_agency=world.outsider_agency)
    situation.refresh_from_db()
    assert situation.status == SituationStatus.PRESENTED

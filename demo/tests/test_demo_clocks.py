"""The demo shows issue 12's case work: assignments, an on-call rota, overdue items and their escalations."""

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from deflection.models import Program, User
from referrals.clocks.models import Escalation, OnCallShift
from referrals.models import Handoff, Referral, Status


def test_demo_has_assignments_overdue_items_and_escalations(db, client):
    call_command("seed_demo")
    program = Program.objects.get(name="Harlan County Deflection Initiative")
    open_ = Referral.objects.filter(program=program, status__in=Status.open_statuses())
    assert open_.exists() and not open_.filter(assigned_to__isnull=True).exists()
    # warm hand-offs went only where they are taken (the form's rule)
    assert not Referral.objects.filter(program=program, handoff=Handoff.WARM, service__accepts_warm_handoffs=False).exists()
    assert OnCallShift.objects.exists()
    waiting = Escalation.objects.get(program=program, clock="warm_ack", level=1)
    on_call = OnCallShift.objects.filter(agency_id=waiting.provider_id, starts_at__lte=waiting.created_at).latest("starts_at")
    assert list(waiting.notices.values_list("recipient_id", flat=True)) == [on_call.case_manager_id]

    client.force_login(User.objects.get(username="casemanager"))
    body = client.get(reverse("referrals:queue")).content.decode()
    assert "Needs action now" in body and "Assigned to you" in body
    assert client.get(reverse("referrals:escalations")).status_code == 200
    # overdue items: next steps past their due time, flagged on the worklist
    assert open_.filter(next_step_due__lt=timezone.now()).exists()
    assert "overdue" in body

    # the coordinator sees the rota, with someone on call now at the case manager's provider
    client.force_login(User.objects.get(username="coordinator"))
    rota = client.get(reverse("program_on_call", args=[program.pk]))
    assert rota.status_code == 200 and "data-shift=" in rota.content.decode()

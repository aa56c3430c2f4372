"""Every open referral has a case manager (issue 12): the ones made before assignment existed are dealt,
oldest first, to their provider's active case managers in turn (the round robin of referrals.assignment)."""

from django.db import migrations

OPEN = ["received", "contact_attempted", "contacted", "intake_scheduled"]


def assign_open_referrals(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Membership = apps.get_model("deflection", "Membership")
    providers = (
        Referral.objects.filter(status__in=OPEN, assigned_to__isnull=True).values_list("provider_id", flat=True).distinct()
    )
    for provider_id in list(providers):
        team = list(
            Membership.objects.filter(agency_id=provider_id, role="case_manager", is_active=True, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        if not team:
            continue  # a provider with no case manager: its items escalate to the coordinators instead
        waiting = list(
            Referral.objects.filter(provider_id=provider_id, status__in=OPEN, assigned_to__isnull=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        for turn, user_id in enumerate(team):
            Referral.objects.filter(pk__in=waiting[turn :: len(team)]).update(assigned_to_id=user_id)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0011_legal_hold_reasons"), ("deflection", "0009_program_clock_targets")]

    operations = [migrations.RunPython(assign_open_referrals, migrations.RunPython.noop)]

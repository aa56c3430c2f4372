"""The outreach clock escalates through referrals.clocks (one engine): its own escalation model goes.

Each OutreachEscalation row becomes a clocks Escalation (clock "outreach", the case as subject) with
one EscalationNotice per person it went to (the on-call case manager it named, else the program's
coordinators), carrying over when it was emailed; a notice whose email had not gone yet is queued
again under the clocks' email task (the old task no longer exists). 0004 then drops the old table and
the case's escalation_level (now read from the escalations): data and schema in separate transactions.
"""

from django.conf import settings
from django.db import migrations

OLD_EMAIL_TASK = "referrals.overdose.tasks.email_outreach_escalation"
OLD_BEAT_TASK = "referrals.overdose.tasks.escalate_overdue_outreach"
EMAIL_TASK = "referrals.tasks.email_escalation_notice"


def move_escalations(apps, schema_editor):
    OutreachEscalation = apps.get_model("overdose", "OutreachEscalation")
    Escalation = apps.get_model("referrals", "Escalation")
    EscalationNotice = apps.get_model("referrals", "EscalationNotice")
    Membership = apps.get_model("deflection", "Membership")
    OutboxMessage = apps.get_model("deflection", "OutboxMessage")
    coordinators_of = {}
    for old in OutreachEscalation.objects.select_related("case", "case__program").order_by("pk").iterator():
        case, program = old.case, old.case.program
        escalation, _created = Escalation.objects.get_or_create(
            clock="outreach",
            subject_id=case.pk,
            level=old.level,
            defaults={
                "program_id": program.pk,
                "provider_id": program.case_management_agency_id,
                "due_at": case.due_at,
                "created_at": old.at,
                "resolved_at": case.first_attempt_at,
            },
        )
        if old.level == 1 and old.notified_id:
            recipients = [old.notified_id]
        else:
            if program.pk not in coordinators_of:
                agency_ids = {program.lead_agency_id, *program.partners.values_list("id", flat=True)}
                coordinators_of[program.pk] = sorted(
                    set(
                        Membership.objects.filter(
                            role="coordinator", is_active=True, user__is_active=True, agency_id__in=agency_ids
                        ).values_list("user_id", flat=True)
                    )
                )
            recipients = coordinators_of[program.pk]
        for user_id in recipients:
            notice, created = EscalationNotice.objects.get_or_create(
                escalation=escalation,
                recipient_id=user_id,
                # Told by email then: not new in the app.
                defaults={"emailed_at": old.emailed_at, "read_at": old.emailed_at},
            )
            if created and notice.emailed_at is None:
                OutboxMessage.objects.create(task_name=EMAIL_TASK, kwargs={"notice_id": notice.pk})
    OutboxMessage.objects.filter(task_name__in=[OLD_EMAIL_TASK, OLD_BEAT_TASK], status="pending").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deflection", "0009_program_clock_targets"),
        ("overdose", "0002_outreach_queue_index"),
        ("referrals", "0012_assign_open_referrals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move_escalations, migrations.RunPython.noop),
    ]

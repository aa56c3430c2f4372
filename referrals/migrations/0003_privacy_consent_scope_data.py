"""Existing consents and outcomes get what the privacy rules now read.

- A consent's disclosing party is the provider that recorded it: the witnessing case
  manager's agency. Where the stored agency is not one the witness worked for (consent
  189 in the review), the witness's case-manager agency among the participant's
  providers replaces it.
- A consent that expired on an event written as free text gets the "other event" choice.
- An outcome belongs to the provider whose case manager recorded it.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Consent = apps.get_model("referrals", "Consent")
    Outcome = apps.get_model("referrals", "Outcome")
    Referral = apps.get_model("referrals", "Referral")
    Membership = apps.get_model("deflection", "Membership")

    cm_agencies: dict[int, set[int]] = {}
    for user_id, agency_id in Membership.objects.filter(role="case_manager").values_list("user_id", "agency_id"):
        cm_agencies.setdefault(user_id, set()).add(agency_id)
    providers: dict[int, set[int]] = {}
    for participant_id, provider_id in Referral.objects.values_list("participant_id", "provider_id").distinct():
        providers.setdefault(participant_id, set()).add(provider_id)

    def recorder_agency(user_id: int, participant_id: int, current: int | None) -> int | None:
        mine = cm_agencies.get(user_id, set())
        if current in mine:
            return current
        candidates = sorted(mine & providers.get(participant_id, set())) or sorted(mine)
        return candidates[0] if candidates else current

    for consent in Consent.objects.only("id", "participant_id", "witnessed_by_id", "disclosing_agency_id").iterator():
        agency = recorder_agency(consent.witnessed_by_id, consent.participant_id, consent.disclosing_agency_id)
        if agency != consent.disclosing_agency_id:
            Consent.objects.filter(pk=consent.pk).update(disclosing_agency_id=agency)
    Consent.objects.filter(expires_on__isnull=True, expiry_event_kind="").update(expiry_event_kind="other")
    for outcome in Outcome.objects.filter(provider__isnull=True).only("id", "participant_id", "recorded_by_id").iterator():
        agency = recorder_agency(outcome.recorded_by_id, outcome.participant_id, None)
        if agency is not None:
            Outcome.objects.filter(pk=outcome.pk).update(provider_id=agency)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_privacy_consent_scope"),
        ("deflection", "0004_program_case_management_agency_and_more"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Forms that read well: the fixes from issue 12's wording list, each checked on the page."""

from django.urls import reverse

from deflection.models import Pathway
from referrals.models import Consent, Referral
from referrals.tests.factories import ConsentFactory, ReferralFactory


def make_referral(rworld, **kwargs):
    defaults = {"program": rworld.program, "officer": rworld.officer, "agency": rworld.police, "provider": rworld.provider}
    return ReferralFactory(**{**defaults, **kwargs})


def test_a_quick_referral_says_seconds_not_zero_minutes():
    assert Referral(completion_seconds=3).completion_label == "3 seconds"
    assert Referral(completion_seconds=1).completion_label == "1 second"
    assert Referral(completion_seconds=370).completion_label == "6 minutes"


def test_pre_arrest_diversion_is_said_once(client, rworld):
    referral = make_referral(rworld, pathway=Pathway.OFFICER_INTERVENTION)
    client.force_login(rworld.case_manager)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert body.count("(pre-arrest diversion)") == 1


def test_the_outcome_type_has_no_default(client, rworld):
    referral = make_referral(rworld)
    client.force_login(rworld.case_manager)
    form = client.get(reverse("referrals:participant", args=[referral.participant_id])).context["outcome_form"]
    assert form.fields["kind"].choices[0][0] == ""
    response = client.post(reverse("referrals:participant", args=[referral.participant_id]), {"occurred_on": "2020-01-01"})
    assert response.status_code == 400 and not referral.participant.outcomes.exists()


def test_revoking_asks_for_confirmation(client, rworld):
    referral = make_referral(rworld)
    consent = ConsentFactory(
        participant=referral.participant,
        recipient_officer=rworld.officer,
        disclosing_agency=rworld.provider,
        witnessed_by=rworld.case_manager,
    )
    client.force_login(rworld.case_manager)
    url = reverse("referrals:consent_revoke", args=[consent.pk])
    client.post(url)
    assert Consent.objects.get(pk=consent.pk).revoked_at is None
    client.post(url, {"confirm": "yes"})
    assert Consent.objects.get(pk=consent.pk).revoked_at is not None


def test_a_dispatcher_is_not_offered_a_referral(client, rworld):
    client.force_login(rworld.dispatcher)
    body = client.get(reverse("referrals:mine")).content.decode()
    assert "Make your first referral" not in body

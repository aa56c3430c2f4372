"""Forms that read well: the fixes from issue 12's wording list, each checked on the page."""

from django.urls import reverse

from deflection.models import PATHWAY_HELP, Pathway
from referrals.models import Consent, Referral
from referrals.tests.factories import ConsentFactory, CriterionFactory, ReferralFactory


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


def test_each_eligibility_answer_says_whether_it_means_eligible(client, rworld):
    CriterionFactory(program=rworld.program, question="Has the person been violent today?", required_answer=False, position=2)
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:new")).content.decode()
    hard = body[body.index("criteria-hard") : body.index("criteria-inclusive")]
    inclusive = body[body.index("criteria-inclusive") :]
    # Required items: "Yes" and "No" each say which one is eligible, whichever way the question is asked.
    adult = hard[hard.index("Is the person 18 or older?") : hard.index("Has the person been violent")]
    assert "Yes (eligible)" in adult and "No (not eligible)" in adult
    assert "eligible only if the answer is Yes" in adult
    violent = hard[hard.index("Has the person been violent") :]
    assert "Yes (not eligible)" in violent and "No (eligible)" in violent
    assert "eligible only if the answer is No" in violent
    # Inclusive items are apart, marked as never blocking.
    assert "Active warrant?" in inclusive and "Active warrant?" not in hard
    assert "never blocks" in inclusive and "Yes (also goes to the justice partner)" in inclusive
    assert "Does not block the referral: either answer is eligible" in inclusive


def test_each_pathway_has_one_line_of_help_on_the_referral_form(client, rworld):
    client.force_login(rworld.officer)
    body = client.get(reverse("referrals:new")).content.decode()
    for pathway in rworld.program.pathways:
        assert PATHWAY_HELP[pathway] in body
    assert body.count("(pre-arrest diversion)") <= 1


def test_the_consent_form_has_a_one_line_typed_name_and_growing_legal_text(client, rworld):
    referral = make_referral(rworld)
    client.force_login(rworld.case_manager)
    body = client.get(reverse("referrals:consent_new", args=[referral.pk])).content.decode()
    assert '<input type="text" name="signature_name"' in body
    assert '<textarea name="signature_name"' not in body
    for name in ("information_description", "purpose", "revocation_terms"):
        assert f'<textarea name="{name}" cols="40" rows=' in body
    assert body.count("legal-text") >= 3


def test_every_rejected_form_has_one_error_summary_linking_to_its_fields(client, rworld):
    referral = make_referral(rworld)
    client.force_login(rworld.case_manager)
    # the consent form (fields laid out one by one)
    response = client.post(reverse("referrals:consent_new", args=[referral.pk]), {"signature_name": "J"})
    body = response.content.decode()
    assert response.status_code == 400 and body.count("data-error-summary") == 1
    assert '<a href="#id_signed_on">Date signed</a>' in body
    assert "Name at least one recipient" in body
    # every page loads the script that focuses it
    assert "js/forms.js" in body
    # a `form|crispy` form (the outcome form) gets it through the crispy error template
    response = client.post(reverse("referrals:participant", args=[referral.participant_id]), {"occurred_on": "2020-01-01"})
    body = response.content.decode()
    assert response.status_code == 400 and body.count("data-error-summary") == 1
    assert '<a href="#id_kind">Outcome</a>: This field is required.' in body

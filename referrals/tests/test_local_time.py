"""Local time everywhere: at 19:14 in Chicago the UTC date is already tomorrow; pages and legal dates are local."""

import datetime

import time_machine
from django.urls import reverse

from referrals.tests.factories import ReferralFactory

# 01:14 UTC on November 29 is 19:14 on November 28 in America/Chicago (the program's zone).
EVENING_IN_CHICAGO = datetime.datetime(2026, 11, 29, 1, 14, tzinfo=datetime.UTC)


def make_referral(rworld):
    return ReferralFactory(
        program=rworld.program,
        officer=rworld.officer,
        agency=rworld.police,
        provider=rworld.provider,
        created_at=EVENING_IN_CHICAGO,
        status_changed_at=EVENING_IN_CHICAGO,
    )


def test_the_consent_form_dates_are_the_programs_local_date(client, rworld):
    assert rworld.program.time_zone == "America/Chicago"
    with time_machine.travel(EVENING_IN_CHICAGO + datetime.timedelta(minutes=5), tick=False):
        referral = make_referral(rworld)
        client.force_login(rworld.case_manager)
        form = client.get(reverse("referrals:consent_new", args=[referral.pk])).context["form"]
        assert form.fields["signed_on"].initial == datetime.date(2026, 11, 28)
        assert "after the referral of November 28, 2026" in form.fields["information_description"].initial


def test_case_pages_show_times_in_the_programs_zone(client, rworld):
    with time_machine.travel(EVENING_IN_CHICAGO + datetime.timedelta(minutes=5), tick=False):
        referral = make_referral(rworld)
        client.force_login(rworld.case_manager)
        body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert "Nov 28, 2026 19:14" in body
        assert "Nov 29, 2026" not in body
        participant = client.get(reverse("referrals:participant", args=[referral.participant_id])).content.decode()
        assert "When (UTC)" not in participant and "When (America/Chicago)" in participant

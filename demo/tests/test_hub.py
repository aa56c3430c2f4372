"""demo.hub.seed: the second demo program, led by a community health center, runs 18 months of a situation table."""

from datetime import timedelta

from deflection.models import AgencyKind, ProgramType
from demo import hub as demo
from referrals.hub import selectors
from referrals.hub.models import HubMeeting, Situation, SituationIdentity, SituationStatus


def test_the_hub_demo_covers_18_months_every_status_and_is_idempotent(db):
    demo.seed()
    program = Situation.objects.select_related("table__program").first().table.program
    assert program.runs(ProgramType.HUB) and not program.led_by_law_enforcement
    assert program.lead_agency.kind == AgencyKind.COMMUNITY
    counts = (HubMeeting.objects.count(), Situation.objects.count(), SituationIdentity.objects.count())
    demo.seed()
    assert counts == (HubMeeting.objects.count(), Situation.objects.count(), SituationIdentity.objects.count())

    first = HubMeeting.objects.order_by("starts_at").first().starts_at
    assert program.today() - program.local_date(first) >= timedelta(days=17 * 30)
    assert HubMeeting.objects.filter(starts_at__gt=program.localtime()).exists()  # next week's, scheduled
    statuses = set(Situation.objects.values_list("status", flat=True))
    assert {SituationStatus.BELOW_THRESHOLD, SituationStatus.CLOSED, SituationStatus.ACUTE} <= statuses
    # Below the threshold: never an identity.
    assert not SituationIdentity.objects.filter(situation__status=SituationStatus.BELOW_THRESHOLD).exists()
    assert (
        SituationIdentity.objects.count()
        == Situation.objects.exclude(status__in=[SituationStatus.BELOW_THRESHOLD, SituationStatus.PRESENTED]).count()
    )

    figures = selectors.table_figures(Situation.objects.first().table)
    assert figures.decisions.grand_total.value > 100
    assert figures.within_48_hours.value is not None and 0.7 < figures.within_48_hours.value < 1
    assert figures.decisions.has_suppressed or figures.outcomes.has_suppressed  # something small is hidden

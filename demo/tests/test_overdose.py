"""demo.overdose.seed: the demo program runs a QRT with 18 months of outreach, built through its services."""

from datetime import timedelta

from deflection.models import ProgramType
from demo import foundation, overdose, referrals
from referrals.clocks.models import Escalation
from referrals.overdose.clock import OUTREACH_CLOCK
from referrals.overdose.figures import outreach_figures
from referrals.overdose.models import (
    CaseStatus,
    FamilyFollowUp,
    NaloxoneLedgerEntry,
    OutreachAttempt,
    OutreachCase,
    Overdose,
    OverdoseSource,
)


def test_the_qrt_demo_covers_18_months_every_outcome_and_is_idempotent(db):
    program = foundation.seed_foundation()
    referrals.seed(program)
    summary = overdose.seed(program)
    program.refresh_from_db()
    assert program.runs(ProgramType.QUICK_RESPONSE_TEAM) and "overdoses" in summary
    counts = (
        Overdose.objects.count(),
        OutreachAttempt.objects.count(),
        NaloxoneLedgerEntry.objects.count(),
        Escalation.objects.count(),
    )
    assert overdose.seed(program) == ""
    assert counts == (
        Overdose.objects.count(),
        OutreachAttempt.objects.count(),
        NaloxoneLedgerEntry.objects.count(),
        Escalation.objects.count(),
    )

    first = Overdose.objects.order_by("occurred_at").first().occurred_at
    assert program.today() - program.local_date(first) >= timedelta(days=17 * 30)
    assert set(Overdose.objects.values_list("source", flat=True)) == set(OverdoseSource.values)
    assert set(OutreachCase.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert FamilyFollowUp.objects.filter(done_at__isnull=False).exists()
    engaged = OutreachCase.objects.filter(status=CaseStatus.ENGAGED).select_related("referral")
    assert all(case.referral.participant_id == case.participant_id for case in engaged)
    assert any(case.referral.engaged_at for case in engaged)
    # Late first attempts escalated through referrals.clocks when their clock ran out, then were met.
    escalations = Escalation.objects.filter(program=program, clock=OUTREACH_CLOCK)
    assert escalations.filter(resolved_at__isnull=False).exists()
    assert set(escalations.values_list("subject_id", flat=True)) <= set(OutreachCase.objects.values_list("pk", flat=True))
    assert all(e.resolved_at is None or e.resolved_at >= e.due_at for e in escalations)
    year = outreach_figures(program=program, start=first, end=program.localtime() + timedelta(days=1))
    assert not year.reached.is_suppressed and 0.25 < year.reached.value < 0.8
    assert not year.linked.is_suppressed and year.median_first_attempt.endswith("hours")

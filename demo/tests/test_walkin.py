"""demo.walkin.seed: the demo program runs walk-in intake with 18 months of walk-ins and volunteers on call."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from deflection.models import Pathway, ProgramType
from demo import foundation, referrals, walkin
from referrals.walkin.figures import walkin_figures
from referrals.walkin.models import WalkIn, WalkInStatus, WalkInVolunteer
from referrals.walkin.services import on_call_volunteer_ids

SEED_QUERY_LIMIT = 80  # 43 measured for ~300 walk-ins: bulk inserts, the providers' teams read once each


def test_the_walk_in_demo_covers_18_months_every_outcome_and_is_idempotent(db):
    program = foundation.seed_foundation()
    referrals.seed(program)
    with CaptureQueriesContext(connection) as seeding:
        summary = walkin.seed(program)
    program.refresh_from_db()
    assert program.runs(ProgramType.WALK_IN) and "walk-ins" in summary
    # Bulk-created: the statements do not grow with the hundreds of rows (speed itself is make bench's).
    assert len(seeding) < SEED_QUERY_LIMIT, len(seeding)
    count = WalkIn.objects.count()
    assert 250 <= count <= 400
    assert walkin.seed(program) == "" and WalkIn.objects.count() == count

    first = WalkIn.objects.order_by("arrived_at").first().arrived_at
    assert program.today() - program.local_date(first) >= timedelta(days=17 * 30)
    assert set(WalkIn.objects.values_list("status", flat=True)) == set(WalkInStatus.values)
    placed = WalkIn.objects.filter(status=WalkInStatus.PLACED).select_related("referral")
    assert all(w.referral.pathway == Pathway.SELF_REFERRAL and w.referral.participant_id == w.participant_id for w in placed)
    assert len(on_call_volunteer_ids(program)) == 2 and WalkInVolunteer.objects.filter(on_call=False).exists()
    figures = walkin_figures(program=program, start=first, end=program.localtime() + timedelta(days=1))
    assert not figures.walkins.is_suppressed and not figures.placed.is_suppressed and figures.median.endswith("min")

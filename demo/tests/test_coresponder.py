"""demo.coresponder.seed: the demo program runs co-responders, with 18 months of encounters linked to real referrals."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deflection.models import ProgramType, User
from demo import coresponder, foundation, overdose, referrals
from referrals.coresponder.models import CallType, Encounter
from referrals.coresponder.selectors import encounter_figures

SEED_QUERY_LIMIT = 40  # 20 measured: bulk inserts, not one statement per encounter


def test_the_coresponder_demo_covers_18_months_links_real_referrals_and_is_idempotent(db, client):
    program = foundation.seed_foundation()
    program.program_types = [ProgramType.SELF_OFFICER_REFERRAL]  # a demo database from before the workflow
    program.save(update_fields=["program_types"])
    referrals.seed(program)
    overdose.seed(program)
    with CaptureQueriesContext(connection) as seeding:
        summary = coresponder.seed(program)
    program.refresh_from_db()
    assert program.runs(ProgramType.CO_RESPONDER) and "encounters" in summary
    # Bulk-created: the statements do not grow with the hundreds of rows (speed itself is make bench's).
    assert len(seeding) < SEED_QUERY_LIMIT, len(seeding)
    count = Encounter.objects.count()
    assert coresponder.seed(program) == "" and Encounter.objects.count() == count

    first = Encounter.objects.order_by("occurred_at").first().occurred_at
    assert program.today() - program.local_date(first) >= timedelta(days=17 * 30)
    assert Encounter.objects.values("unit").distinct().count() == 4
    assert set(Encounter.objects.values_list("call_type", flat=True)) == set(CallType.values)
    assert not Encounter.objects.filter(resolved_on_scene=True, transported=True).exists()
    linked = Encounter.objects.filter(referral__isnull=False).select_related("referral")
    assert 0.08 < linked.count() / count < 0.25
    # A referred call links to a referral the same officer made, minutes after the call, from the same agency.
    for encounter in linked:
        assert encounter.referral.officer_id == encounter.logged_by_id
        assert encounter.referral.agency_id == encounter.agency_id
        assert timedelta(0) < encounter.referral.created_at - encounter.occurred_at < timedelta(hours=2)
    assert Encounter.objects.filter(logged_by__username="officer").exists()

    # Last whole month: the busy unit's figures are shown, the quiet unit's small ones suppressed.
    last_month = (program.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    table = encounter_figures(program, last_month)
    rows = {row.label: row for row in table.rows}
    busy = rows["Riverside Police Department: District 1"].figures
    assert busy[0].value is not None and busy[0].value >= 20
    quiet = rows["Harlan County Sheriff's Office: North Patrol"].figures
    assert any(f.is_suppressed for f in quiet)

    client.force_login(User.objects.get(username="command"))
    html = client.get(reverse("coresponder:figures"), {"month": f"{last_month:%Y-%m}"}).content.decode()
    assert "District 1" in html and "Arrests avoided" in html
    client.force_login(User.objects.get(username="officer"))
    assert "Mental health crisis" in client.get(reverse("coresponder:log")).content.decode()

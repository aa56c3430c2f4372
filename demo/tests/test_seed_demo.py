"""seed_demo builds the demo program and is safe to run twice."""

from django.core.management import call_command

from deflection.models import Agency, Membership, Program, Role, User


def test_seed_demo_twice_creates_each_row_once(db, capsys):
    call_command("seed_demo")
    counts = (Agency.objects.count(), User.objects.count(), Membership.objects.count(), Program.objects.count())
    call_command("seed_demo")
    assert counts == (Agency.objects.count(), User.objects.count(), Membership.objects.count(), Program.objects.count())
    out = capsys.readouterr().out
    assert "officer" in out and "casemanager" in out and "Deflect-Demo-2026" in out


def test_seed_demo_has_every_role_and_about_forty_officers(db):
    call_command("seed_demo")
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    officers = Membership.objects.filter(role=Role.OFFICER).count()
    assert 35 <= officers <= 50
    harlan = Program.objects.get(name="Harlan County Deflection Initiative").agency_ids()
    assert Agency.objects.filter(kind="police", pk__in=harlan).count() == 2
    assert Agency.objects.filter(kind="sheriff", pk__in=harlan).count() == 1

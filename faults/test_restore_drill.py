"""The backup and restore drill, on a small seed: dump, restore, verify rows, keys and /healthz."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from deflection import drill
from referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.fault


@pytest.fixture
def seeded(world, transactional_db):
    for _ in range(3):
        ReferralFactory(program=world.program, officer=world.officer, agency=world.police, provider=world.provider)
    return world


def test_drill_restores_every_row_decrypts_every_field_and_the_copy_answers_healthz(seeded, capsys):
    report = drill.restore_drill()
    assert report.ok, report.problems
    assert report.rows > 0 and report.tables > 20
    assert report.encrypted_values >= 6  # names of the three participants at least
    assert report.healthz["database"]["ok"] is True
    call_command("restore_drill")
    assert "restore drill passed" in capsys.readouterr().out


def test_drill_fails_when_the_configured_keys_cannot_read_the_backup(seeded, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["bmV3LWtleS10aGF0LW5ldmVyLWVuY3J5cHRlZC1hbnk="]  # not the key the data used
    with pytest.raises(CommandError, match="do not decrypt with the configured keys"):
        call_command("restore_drill")

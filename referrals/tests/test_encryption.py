"""Identity fields and notes are encrypted at rest; a raw dump of the database has no clear-text name."""

import io

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from deflection import crypto
from referrals.models import Participant, Referral
from referrals.tests.conftest import referral_post

# Strings no factory or fixture could produce by chance (users' names are not encrypted).
NAME, SURNAME, NOTE = "Zebulonia", "Quackenbushwick", "Found near the Elm St footbridge"


def raw_dump() -> str:
    """Every row of every table in the database, as COPY text (what pg_dump writes for data)."""
    out = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        raw = cursor.connection
        for table in tables:
            with raw.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                for chunk in copy:
                    out.write(bytes(chunk).decode("utf-8", "replace"))
    return out.getvalue()


def test_raw_dump_has_no_clear_text_participant_data(client, rworld):
    client.force_login(rworld.officer)
    client.post(
        reverse("referrals:new"), referral_post(rworld, first_name=NAME, last_name=SURNAME, note=NOTE, phone="(555) 867-5309")
    )
    referral = Referral.objects.get()
    assert referral.participant.first_name == NAME  # readable through the model
    dump = raw_dump()
    for secret in (NAME, SURNAME, NOTE, "867-5309", "1988-03-14"):
        assert secret not in dump, secret
    assert len(dump) > 1000  # the dump really holds the rows


def test_key_rotation_keeps_data_readable(rworld, settings):
    from referrals.tests.factories import ParticipantFactory

    participant = ParticipantFactory(program=rworld.program, first_name=NAME)
    new_key = "bmV3LXJvdGF0ZWQta2V5LWZvci10aGUtdGVzdHMtMDE="
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *old_keys]):
        from django.core.management import call_command

        call_command("rotate_keys", stdout=io.StringIO())
        assert Participant.objects.get(pk=participant.pk).first_name == NAME
    # After rotation the old key can be retired.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert Participant.objects.get(pk=participant.pk).first_name == NAME


def test_a_value_under_an_unknown_key_fails_loudly(rworld, settings):
    from referrals.tests.factories import ParticipantFactory

    participant = ParticipantFactory(program=rworld.program, first_name=NAME)
    with override_settings(FIELD_ENCRYPTION_KEYS=["bmV3LXJvdGF0ZWQta2V5LWZvci10aGUtdGVzdHMtMDE="]):
        with pytest.raises(Exception, match="could not be decrypted"):
            Participant.objects.get(pk=participant.pk)


def test_encryption_is_randomized():
    assert crypto.encrypt_str("same") != crypto.encrypt_str("same")

"""Letter review notes are narrative: encrypted at rest like the letters' texts (SECURITY.md 10)."""

from cryptography.fernet import InvalidToken
from django.db import migrations

import deflection.crypto
from deflection.crypto import encrypt_str, fernet


def encrypt_existing(apps, schema_editor):
    """Raw SQL, so the field class never tries to decrypt clear text; a value that already decrypts is left."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, review_note FROM feedback_participantletter WHERE review_note <> ''")
        for pk, value in cursor.fetchall():
            try:
                fernet().decrypt(value.encode("ascii"))
                continue
            except (InvalidToken, UnicodeEncodeError, ValueError):
                pass
            cursor.execute("UPDATE feedback_participantletter SET review_note = %s WHERE id = %s", [encrypt_str(value), pk])


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_outcome_feed")]

    operations = [
        migrations.AlterField(
            model_name="participantletter",
            name="review_note",
            field=deflection.crypto.EncryptedTextField(
                blank=True, help_text="For the case manager: why it was rejected or what was redacted.", max_length=300
            ),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]

"""Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones
after it), deploy, run this command, then remove the old keys. Blind indexes
are recomputed too, so BLIND_INDEX_KEY can be rotated the same way: every app
config with a `recompute_blind_indexes()` method is asked to (referrals' match keys).
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from deflection.crypto import EncryptedDateField, EncryptedTextField, rotate_token


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields under the current key and recompute blind indexes."

    def handle(self, *args, **options):
        total = 0
        with transaction.atomic():
            for model in apps.get_models():
                fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | EncryptedDateField)]
                if fields:
                    total += _rotate_table(model, [f.column for f in fields])
            recomputed = _recompute_blind_indexes()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows; recomputed {recomputed} participants' match keys."))


def _rotate_table(model, columns: list[str]) -> int:
    """Rotate stored tokens in SQL: they are re-encrypted without passing through the model's fields."""
    table, pk = model._meta.db_table, model._meta.pk.column
    quoted = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{pk}", {quoted} FROM "{table}"')  # noqa: S608  (names come from the models)
        rows = cursor.fetchall()
        for row_pk, *tokens in rows:
            updates = {c: rotate_token(t) for c, t in zip(columns, tokens, strict=True) if t}
            if not updates:
                continue
            assignments = ", ".join(f'"{c}" = %s' for c in updates)
            cursor.execute(
                f'UPDATE "{table}" SET {assignments} WHERE "{pk}" = %s',  # noqa: S608
                [*updates.values(), row_pk],
            )
            count += 1
    return count


def _recompute_blind_indexes() -> int:
    """Each app that keeps blind indexes recomputes them (deflection knows no app: it asks each one)."""
    configs = [config for config in apps.get_app_configs() if hasattr(config, "recompute_blind_indexes")]
    return sum(config.recompute_blind_indexes() for config in configs)

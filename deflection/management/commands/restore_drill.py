"""manage.py restore_drill: dump, restore into a fresh database, verify (deflection/drill.py)."""

from django.core.management.base import BaseCommand, CommandError

from deflection.drill import restore_drill


class Command(BaseCommand):
    help = "Backup and restore drill: pg_dump, pg_restore into a fresh database, verify rows, keys, audit chain, /healthz."

    def add_arguments(self, parser):
        parser.add_argument("--copy", help="name of the database to restore into (default: <database>_drill)")
        parser.add_argument("--keep", action="store_true", help="keep the restored copy instead of dropping it")

    def handle(self, *args, copy=None, keep=False, **options):
        report = restore_drill(copy=copy, keep=keep)
        timings = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in report.seconds.items())
        self.stdout.write(f"restored {report.source} into {report.copy}: {timings}")
        self.stdout.write(f"rows: {report.rows} in {report.tables} tables match the dump's snapshot")
        self.stdout.write(f"encrypted values decrypted with the configured keys: {report.encrypted_values}")
        self.stdout.write(f"audit chain: {report.audit_chain}")
        self.stdout.write(
            f"/healthz on the copy: {report.healthz.get('status')} (database ok: {report.healthz.get('database', {}).get('ok')})"
        )
        if not report.ok:
            raise CommandError("restore drill FAILED:\n  " + "\n  ".join(report.problems))
        self.stdout.write(self.style.SUCCESS("restore drill passed"))

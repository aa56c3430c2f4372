"""Import an HSDS 3.0 JSON file or tabular datapackage (.zip) into a program's directory.

Usage: `manage.py import_hsds PROGRAM_ID FILE --by USERNAME`.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from deflection.models import Program, User
from referrals.api.hsds_import import DatapackageError, document_from_datapackage, hsds_import


class Command(BaseCommand):
    help = "Upsert an HSDS 3.0 JSON document (organizations and services) into a program's directory."

    def add_arguments(self, parser):
        parser.add_argument("program_id", type=int)
        parser.add_argument("path")
        parser.add_argument("--by", required=True, help="Username recorded in the audit trail.")

    def handle(self, *args, program_id, path, by, **options):
        try:
            program = Program.objects.get(pk=program_id)
            user = User.objects.get(username=by)
            if path.endswith(".zip"):
                with open(path, "rb") as handle:
                    document = document_from_datapackage(handle.read())
            else:
                with open(path, encoding="utf-8") as handle:
                    document = json.load(handle)
        except (Program.DoesNotExist, User.DoesNotExist, OSError, ValueError, DatapackageError) as exc:
            raise CommandError(f"Cannot import: {exc.__class__.__name__}") from exc
        report = hsds_import(program=program, document=document, by=user)
        for where, reason in report.errors:
            self.stderr.write(f"{where}: {reason}")
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, errors {len(report.errors)}"
        )

"""Publish every program's report periods now, as the hourly beat task would (after a deploy or a
Redis flush, so that the first page views do not pay for it)."""

import time

from django.core.management.base import BaseCommand

from deflection.models import Program
from reports.services import reports_warm


class Command(BaseCommand):
    help = "Count ended months into the rollups and publish the report periods of every program (or one)."

    def add_arguments(self, parser):
        parser.add_argument("--program", type=int, help="Only this program's id.")

    def handle(self, *args, **options):
        programs = Program.objects.order_by("pk")
        if options["program"] is not None:
            programs = programs.filter(pk=options["program"])
        for program in programs:
            started = time.monotonic()
            periods = reports_warm(program_id=program.pk)
            self.stdout.write(f"{program.name}: {periods} periods in {time.monotonic() - started:.1f}s")

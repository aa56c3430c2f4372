"""Build the report benchmarks' scale program (a million referrals) unless it is already there."""

from django.core.management.base import BaseCommand

from bench.scale import ScaleSize, seed_scale


class Command(BaseCommand):
    help = "Bulk-load the Scale Test Program: 1,000,000 referrals by 2,000 officers over 5 years (for make bench)."

    def add_arguments(self, parser):
        defaults = ScaleSize()
        parser.add_argument("--referrals", type=int, default=defaults.referrals)
        parser.add_argument("--officers", type=int, default=defaults.officers)
        parser.add_argument("--staff", type=int, default=defaults.staff)
        parser.add_argument("--years", type=int, default=defaults.years)

    def handle(self, *args, **options):
        if min(options["referrals"], options["officers"], options["years"]) < 1 or options["staff"] < 0:
            self.stderr.write("Sizes must be positive.")
            return
        size = ScaleSize(
            referrals=options["referrals"], officers=options["officers"], staff=options["staff"], years=options["years"]
        )
        program = seed_scale(size=size, out=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Ready: {program.name} (program {program.pk})"))

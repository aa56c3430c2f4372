"""Build (or top up) the demo program and print the demo logins. Safe to run twice.

The foundation (agencies, people, roles) comes from demo/foundation.py; each app's demo module
then adds its own activity, in the order below, so that later apps can build on earlier ones.
"""

from django.core.management.base import BaseCommand

from demo import api, coresponder, feedback, foundation, hub, overdose, referrals, reports, training, walkin

DEMO_PARTS = [
    ("referrals", referrals),
    # Post-overdose outreach (QRT): its engaged survivors become referrals, before the reports count them.
    ("overdose", overdose),
    # Walk-in (Angel) intake: its placements are self-referrals, before the reports count them.
    ("walkin", walkin),
    # Co-responder encounters: the calls that ended in a referral link to the referrals seeded above.
    ("coresponder", coresponder),
    ("api", api),
    ("training", training),
    ("feedback", feedback),
    ("reports", reports),
    # The second demo program (led by a community health center), which runs a situation table.
    ("hub", hub),
]


class Command(BaseCommand):
    help = "Create the demo program, its agencies, people and activity, and print the demo logins."

    def handle(self, *args, **options):
        program = foundation.seed_foundation()
        for name, part in DEMO_PARTS:
            summary = part.seed(program)
            if summary:
                self.stdout.write(f"{name}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Demo program ready: {program.name}"))
        self.stdout.write(f"\nDemo logins (password for all: {foundation.DEMO_PASSWORD}):")
        for login in [*foundation.demo_logins(), *hub.demo_logins()]:
            self.stdout.write(f"  {login.username:<12} {login.role:<20} {login.who}")

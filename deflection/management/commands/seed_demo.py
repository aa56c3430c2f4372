"""Build (or top up) the demo program and print the demo logins. Safe to run twice.

The foundation (agencies, people, roles) comes from deflection/demo.py; each app
that has a `demo.py` with `seed(program)` then adds its own activity, in the order
of DEMO_APPS, so that later apps can build on earlier ones.
"""

import importlib

from django.core.management.base import BaseCommand

from deflection import demo

DEMO_APPS = ["referrals", "referrals.api", "training", "feedback", "reports"]


class Command(BaseCommand):
    help = "Create the demo program, its agencies, people and activity, and print the demo logins."

    def handle(self, *args, **options):
        program = demo.seed_foundation()
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            summary = module.seed(program)
            if summary:
                self.stdout.write(f"{app}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Demo program ready: {program.name}"))
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        for login in demo.demo_logins():
            self.stdout.write(f"  {login.username:<12} {login.role:<20} {login.who}")

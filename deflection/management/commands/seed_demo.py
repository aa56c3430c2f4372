"""Build (or top up) the demo program and print the demo logins. Safe to run twice."""

from django.core.management.base import BaseCommand

from deflection import demo


class Command(BaseCommand):
    help = "Create the demo program, its agencies and people, and print the demo logins."

    def handle(self, *args, **options):
        program = demo.seed_foundation()
        self.stdout.write(self.style.SUCCESS(f"Demo program ready: {program.name}"))
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        for login in demo.demo_logins():
            self.stdout.write(f"  {login.username:<12} {login.role:<20} {login.who}")

"""`manage.py audit_verify`: report every altered, inserted or missing audit row; exit 1 if any."""

from django.core.management.base import BaseCommand, CommandError

from deflection.auditchain import audit_chain_problems


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report any altered, inserted or missing row."

    def handle(self, *args, **options):
        checked, problems = audit_chain_problems()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"The audit trail has {len(problems)} problem(s) in {checked} rows.")
        self.stdout.write(f"The audit trail is intact: {checked} rows checked.")

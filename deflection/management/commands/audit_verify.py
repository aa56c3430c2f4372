"""`manage.py audit_verify`: report every altered, inserted or missing audit row; exit 1 if any.

It ends by printing the chain head (ID:HASH). Keep it somewhere else (a ticket, the weekly audit email
has it too); `--head ID:HASH` checks later that the tail was not cut off or rewritten since.
"""

from django.core.management.base import BaseCommand, CommandError

from deflection.auditchain import Head, audit_chain_head, audit_chain_problems, head_problems


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report any altered, inserted or missing row."

    def add_arguments(self, parser):
        parser.add_argument("--head", help="A chain head noted earlier (ID:HASH), to detect a truncated tail.")

    def handle(self, *args, **options):
        noted = None
        if options.get("head"):
            try:
                noted = Head.parse(options["head"])
            except ValueError as error:
                raise CommandError(str(error)) from error
        checked, problems = audit_chain_problems()
        if noted is not None:
            problems += head_problems(noted)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"The audit trail has {len(problems)} problem(s) in {checked} rows.")
        head = audit_chain_head()
        self.stdout.write(f"The audit trail is intact: {checked} rows checked.")
        if head is not None:
            self.stdout.write(f"Chain head: {head} (note it elsewhere; check it later with --head)")

"""`migrate` as the owner role, then the app role's grants (SECURITY.md 26).

With MIGRATE_DATABASE_URL set, the migration runs with that URL's user and password (the table
owner) against the same database, and DATABASE_URL's user (the app role) is granted its
privileges afterwards. Without it (a single-role development set-up, the test suite) this is
Django's own migrate.
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from deflection.dbroles import grant_app_role


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        owner = getattr(settings, "MIGRATE_DATABASE", None)
        database = options.get("database") or "default"
        if not owner or database != "default":
            return super().handle(*args, **options)
        connection = connections[database]
        app = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
        connection.close()
        connection.settings_dict.update(owner)
        try:
            super().handle(*args, **options)
            if app["USER"] and app["USER"] != owner["USER"]:
                with connection.cursor() as cursor:
                    grant_app_role(cursor, app["USER"])
                if options.get("verbosity", 1):
                    self.stdout.write(f"  Granted the app role {app['USER']!r} its privileges (it owns no table).")
        finally:
            connection.close()
            connection.settings_dict.update(app)

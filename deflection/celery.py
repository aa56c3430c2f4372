"""The Celery app, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deflection.settings")

app = Celery("deflection")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _first_heartbeat(**_kwargs) -> None:
    # /healthz should see a live worker as soon as it starts, not 30 s later.
    # Lazy: this module is imported while Django starts (deflection/__init__.py), before models load.
    from deflection.health import record_heartbeat  # noqa: PLC0415

    record_heartbeat()

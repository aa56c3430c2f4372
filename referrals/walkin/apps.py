from django.apps import AppConfig


class WalkinConfig(AppConfig):
    """Walk-in (Angel) intake (issue 13): its own app so the folder shows the workflow."""

    name = "referrals.walkin"
    label = "walkin"
    verbose_name = "Walk-in (Angel) intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from referrals.walkin import retention  # noqa: PLC0415  (models are ready only now)

        # A walk-in counts as activity, and its note goes with the record.
        retention.register()

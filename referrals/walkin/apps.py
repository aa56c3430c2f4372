from django.apps import AppConfig


class WalkinConfig(AppConfig):
    """Walk-in (Angel) intake (issue 13): its own app so the folder shows the workflow."""

    name = "referrals.walkin"
    label = "walkin"
    verbose_name = "Walk-in (Angel) intake"
    default_auto_field = "django.db.models.BigAutoField"

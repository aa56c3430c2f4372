from django.apps import AppConfig


class HubConfig(AppConfig):
    """The HUB / situation table workflow (issue 13): its own app, so its tables and migrations stay apart."""

    name = "referrals.hub"
    label = "hub"
    verbose_name = "HUB / situation table"
    default_auto_field = "django.db.models.BigAutoField"

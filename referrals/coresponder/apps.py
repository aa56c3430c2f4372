from django.apps import AppConfig


class CoresponderConfig(AppConfig):
    """Co-responder encounters (issue 13): its own app so the folder shows the workflow."""

    name = "referrals.coresponder"
    label = "coresponder"
    verbose_name = "Co-responder encounters"
    default_auto_field = "django.db.models.BigAutoField"

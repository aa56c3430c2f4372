from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Its own app so its clients table and migrations stay apart from referrals' own."""

    name = "referrals.api"
    label = "referrals_api"
    verbose_name = "API clients"
    default_auto_field = "django.db.models.BigAutoField"

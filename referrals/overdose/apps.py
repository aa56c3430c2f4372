from django.apps import AppConfig


class OverdoseConfig(AppConfig):
    """Post-overdose outreach (QRT, the naloxone plus pathway): its own app so its tables and migrations stay apart."""

    name = "referrals.overdose"
    label = "overdose"
    verbose_name = "Post-overdose outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from referrals.overdose import retention  # noqa: PLC0415  (models are ready only now)

        # A survivor's overdoses count as activity, and their places and notes go with the record.
        retention.register()

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self):
        from referrals import setup  # noqa: PLC0415  (models are ready only now)

        setup.connect()

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self):
        from referrals import setup  # noqa: PLC0415  (models are ready only now)

        setup.connect()

    def recompute_blind_indexes(self) -> int:
        """`manage.py rotate_keys` calls this on every app that has it, after re-encrypting."""
        from referrals.matching import match_keys_recompute  # noqa: PLC0415  (apps.py loads before the models)

        return match_keys_recompute()

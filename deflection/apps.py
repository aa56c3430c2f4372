from django.apps import AppConfig


class DeflectionConfig(AppConfig):
    name = "deflection"
    verbose_name = "Deflection program"

    def ready(self) -> None:
        from deflection import signals  # noqa: F401, PLC0415  (connects the login audit receivers)

from django.apps import AppConfig

from deflection import params


class DeflectionConfig(AppConfig):
    name = "deflection"
    verbose_name = "Deflection program"

    def ready(self) -> None:
        # `<id:pk>` must exist before the first URLconf is loaded.
        params.register()
        from deflection import signals  # noqa: F401, PLC0415  (connects the login audit receivers)

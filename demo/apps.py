"""Registered in INSTALLED_APPS only so that `manage.py seed_demo` and `manage.py seed_scale` exist."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the quick start and for trying the product (`manage.py seed_demo`)."""

    name = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The partner REST API's platform: keys, authentication, errors, paging, throttling, idempotency."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("Partner API")

    def ready(self):
        from api import schema  # noqa: F401 - registers the OpenAPI extension for API-key authentication

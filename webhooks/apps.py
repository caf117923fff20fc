from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from tickets.events import ticket_event_recorded
        from webhooks.receivers import outbox_write

        ticket_event_recorded.connect(outbox_write, dispatch_uid="webhooks.outbox_write")

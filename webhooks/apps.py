from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tickets.events import ticket_event_recorded, ticket_events_recorded
        from webhooks.models import WebhookSubscription
        from webhooks.receivers import outbox_write, outbox_write_many
        from webhooks.services import subscriptions_changed

        ticket_event_recorded.connect(outbox_write, dispatch_uid="webhooks.outbox_write")
        ticket_events_recorded.connect(outbox_write_many, dispatch_uid="webhooks.outbox_write_many")
        for signal in (post_save, post_delete):
            signal.connect(subscriptions_changed, sender=WebhookSubscription, dispatch_uid="webhooks.subscriptions")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from accounts.signals import region_changed
        from tickets.regions import region_changed_answer

        region_changed.connect(region_changed_answer, dispatch_uid="tickets.regions")

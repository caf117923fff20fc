from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self):
        from sla.calendar import calendar_changed
        from sla.models import CalendarDay, SLAPolicy
        from sla.policies import sla_policies_changed

        # Each process keeps the calendar and the policies (possystem.snapshot); a change reloads them.
        for signal in (post_save, post_delete):
            signal.connect(calendar_changed, sender=CalendarDay, dispatch_uid="sla-calendar-changed")
            signal.connect(sla_policies_changed, sender=SLAPolicy, dispatch_uid="sla-policies-changed")

from django.contrib import admin

from possystem.admin import ReadOnlyAdmin
from possystem.queue import enqueue_on_commit
from sla.models import CalendarDay, Escalation, SLACheck, SLAPolicy
from sla.tasks import policy_refresh


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "priority",
        "merchant_tier",
        "response_hours",
        "onsite_hours",
        "resolution_working_days",
        "business_hours_only",
        "at_risk_share",
        "manager_escalation_hours",
        "active",
    )
    list_filter = ("active", "priority", "merchant_tier")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"at_risk_share", "manager_escalation_hours"} & set(form.changed_data):
            # Deadlines already on tickets stay; when their warnings and manager notices fall moves.
            # A broker that refuses the task does not fail the save (it is logged); the refresh is
            # then `manage.py sla_rebuild_checks` away.
            enqueue_on_commit(policy_refresh, [(obj.pk,)])


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    """Read-only: escalations are written by the scanner and acknowledged in the inbox."""

    list_display = ("ticket", "milestone", "level", "deadline", "fired_at", "acknowledged_at", "acknowledged_by")
    list_filter = ("level", "milestone", ("acknowledged_at", admin.EmptyFieldListFilter))
    list_select_related = ("ticket", "acknowledged_by")
    search_fields = ("ticket__number",)
    date_hierarchy = "fired_at"


@admin.register(SLACheck)
class SLACheckAdmin(ReadOnlyAdmin):
    """What the scanner waits for next; read-only, kept by the ticket transitions."""

    list_display = ("ticket", "milestone", "level", "due_at")
    list_filter = ("milestone", "level")
    list_select_related = ("ticket",)
    search_fields = ("ticket__number",)

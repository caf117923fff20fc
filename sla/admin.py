from django.contrib import admin

from sla.models import CalendarDay, SLAPolicy


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
        "active",
    )
    list_filter = ("active", "priority", "merchant_tier")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"

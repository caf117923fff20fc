from django.contrib import admin

from possystem.admin import ReadOnlyAdmin
from technicians.models import Assignment, Leave, PartUsed, RepairReport, Shift, Technician, TechnicianSkill, Visit


class TechnicianSkillInline(admin.TabularInline):
    model = TechnicianSkill
    extra = 1


class ShiftInline(admin.TabularInline):
    """The weekly schedule; a shift ending at or before its start runs past midnight."""

    model = Shift
    extra = 1


class LeaveInline(admin.TabularInline):
    model = Leave
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "capacity")
    list_filter = ("regions",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("regions",)
    inlines = [TechnicianSkillInline, ShiftInline, LeaveInline]
    autocomplete_fields = ("user",)


# Visits are recorded, approved and rejected on the ticket page (tickets.services), which keeps the timeline
# and the on-site milestone in step; here they are only read.
@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "technician",
        "at",
        "verified",
        "code_matched",
        "distance_m",
        "approved_at",
        "rejected_at",
    )
    list_filter = ("verified", "code_matched")
    list_select_related = ("ticket", "technician__user")
    search_fields = ("ticket__number",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("ticket", "technician", "assigned_at", "accepted_at", "arrived_at", "completed_at", "released_at")
    list_select_related = ("ticket", "technician__user")
    search_fields = ("ticket__number",)
    readonly_fields = [f.name for f in Assignment._meta.fields]

    def has_add_permission(self, request):
        # Assignments are made through tickets.services.ticket_assign, which keeps the timeline.
        return False


class PartUsedInline(admin.TabularInline):
    model = PartUsed
    extra = 0
    readonly_fields = ("spare_part", "quantity", "unit_cost")
    can_delete = False


@admin.register(RepairReport)
class RepairReportAdmin(admin.ModelAdmin):
    list_display = ("ticket", "outcome", "technician", "charged", "created_at")
    list_filter = ("outcome", "charged")
    list_select_related = ("ticket", "technician__user")
    search_fields = ("ticket__number",)
    inlines = [PartUsedInline]

    def has_add_permission(self, request):
        return False

from django.contrib import admin

from technicians.models import Assignment, PartUsed, RepairReport, Technician, TechnicianSkill


class TechnicianSkillInline(admin.TabularInline):
    model = TechnicianSkill
    extra = 1


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "capacity", "on_shift")
    list_filter = ("on_shift", "regions")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("regions",)
    inlines = [TechnicianSkillInline]
    autocomplete_fields = ("user",)


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

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, Merchant, Partner, Region, User
from accounts.signals import region_changed


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role and organisation"), {"fields": ("role", "merchant", "partner", "phone", "language")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and organisation"), {"fields": ("role", "merchant", "partner")}),
    )
    list_display = ("username", "get_full_name", "role", "merchant", "partner", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    list_select_related = ("merchant", "partner")
    autocomplete_fields = ("merchant", "partner")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "contact_email", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "tier", "partner", "region", "contact_phone")
    list_filter = ("tier", "region", "partner")
    list_select_related = ("partner", "region")
    search_fields = ("name", "code", "contact_name", "contact_phone")
    autocomplete_fields = ("partner",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "region" in form.changed_data:
            region_changed.send(sender=Merchant, pks=[obj.pk])  # its open tickets move with it


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: the log is written by the code that does what it records, never by hand."""

    list_display = ("at", "action", "actor_name", "partner", "ip_address", "target")
    list_filter = ("action",)
    list_select_related = ("partner",)
    search_fields = ("actor_name", "ip_address", "target")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

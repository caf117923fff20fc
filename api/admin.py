from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from accounts.audit import Action
from api.models import PartnerAPIKey
from api.services import api_key_audit, api_key_revoke

# The library's own key model is not used: every key here belongs to a partner.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(APIKeyModelAdmin):
    """Creating a key here shows it once, in the message after saving; revoking cannot be undone."""

    list_display = ("prefix", "name", "partner", "created", "last_used_at", "expiry_date", "revoked")
    list_filter = ("revoked", "partner")
    list_select_related = ("partner",)
    search_fields = ("name", "prefix", "partner__name")
    autocomplete_fields = ("partner",)
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # Revoking is the list's action (api_key_revoke), not a box to tick or untick on the form.
        return (*super().get_readonly_fields(request, obj), "last_used_at", "revoked")

    def save_model(self, request, obj, form, change):
        # The library makes the key here; the audit log records who made it.
        super().save_model(request, obj, form, change)
        if not change:
            api_key_audit(api_key=obj, action=Action.API_KEY_CREATED, by=request.user, request=request)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = sum(
            api_key_revoke(api_key=api_key, by=request.user, request=request)
            for api_key in queryset.filter(revoked=False).select_related("partner")
        )
        self.message_user(request, _("%(count)d keys revoked.") % {"count": count})

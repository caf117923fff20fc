from django.contrib import admin

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("partner", "url", "events", "active", "created_at")
    list_filter = ("active", "partner")
    list_select_related = ("partner",)
    search_fields = ("url", "partner__name")
    readonly_fields = ("secret",)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "error", "duration_ms")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by ticket events and worked by the delivery task."""

    list_display = ("event_type", "ticket_number", "subscription", "status", "attempt_count", "created_at")
    list_filter = ("status", "event_type")
    list_select_related = ("subscription__partner",)
    search_fields = ("ticket_number", "event_id")
    inlines = [WebhookAttemptInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

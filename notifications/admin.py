from django.contrib import admin

from notifications.models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "subject", "created_at", "read_at")
    list_select_related = ("recipient",)
    search_fields = ("recipient__username", "subject")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, for looking into what was sent and what is still owed."""

    list_display = ("recipient", "channel", "subject", "created_at", "attempts", "sent_at", "failed_at")
    list_filter = ("channel", ("sent_at", admin.EmptyFieldListFilter), ("failed_at", admin.EmptyFieldListFilter))
    list_select_related = ("recipient",)
    search_fields = ("recipient__username", "subject", "source")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

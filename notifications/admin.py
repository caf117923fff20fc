from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
    # The body only through `message`, which hides a secret one (a password-reset link).
    readonly_fields = [f.name if f.name != "body" else "message" for f in Delivery._meta.fields]
    exclude = ["body"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("message"))
    def message(self, delivery):
        if delivery.secret:
            return _("Hidden: this message carries a secret link for its recipient only.")
        return delivery.body

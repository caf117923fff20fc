from django.contrib import admin

from possystem.admin import ReadOnlyAdmin
from tickets.models import Feedback, Quote, QuoteLine, Ticket, TicketComment, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "actor_name", "public", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets are read here; every change goes through tickets.services so the timeline stays whole."""

    list_display = ("number", "merchant", "device", "kind", "status", "priority", "warranty_covered", "created_at")
    list_filter = ("status", "kind", "channel", "priority", "warranty_covered")
    list_select_related = ("merchant", "device")
    search_fields = ("number", "device__serial_number", "merchant__name", "contact_phone")
    date_hierarchy = "created_at"
    inlines = [TicketEventInline]

    # The confirmation code is the merchant's proof of a visit: nobody on the service's side reads it.
    exclude = ("confirmation_code",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False


@admin.register(TicketComment)
class TicketCommentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "author_name", "internal", "created_at")
    list_select_related = ("ticket",)
    search_fields = ("ticket__number",)


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    fields = ("kind", "spare_part", "description", "quantity", "unit", "unit_price", "list_price", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# A quote's answer is the merchant's and moves the ticket's clocks, and its lines are what the merchant
# approved: it is never edited here (tickets.quotes).
@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket", "parts_amount", "labour_amount", "prices_include_tax", "status", "lapsed", "created_at", "decided_at",
    )  # fmt: skip
    list_filter = ("status", "lapsed", "prices_include_tax")
    list_select_related = ("ticket",)
    search_fields = ("ticket__number",)
    inlines = [QuoteLineInline]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "rating", "created_at")
    list_filter = ("rating",)
    list_select_related = ("ticket",)

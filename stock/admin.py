from django.contrib import admin

from stock.models import StockLevel, StockMovement, Warehouse
from stock.services import stock_threshold_set


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "active")
    list_filter = ("region", "active")
    search_fields = ("code", "name")


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    """Levels to read and thresholds to set; quantities change only through receipts, transfers,
    adjustments and repairs (the managers' stock pages), each recorded as a movement."""

    list_display = ("warehouse", "part", "quantity", "low_threshold", "low_notified_at")
    list_filter = ("warehouse__region", "warehouse")
    search_fields = ("part__sku", "part__name", "warehouse__code", "warehouse__name")
    list_select_related = ("warehouse", "part")
    fields = ("part", "warehouse", "quantity", "low_threshold", "low_notified_at", "updated_at")
    readonly_fields = ("part", "warehouse", "quantity", "low_notified_at", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, so a threshold raised above the level tells the managers.
        stock_threshold_set(part=obj.part, warehouse=obj.warehouse, threshold=obj.low_threshold, by=request.user)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The record of every change: nobody adds, changes or deletes one here."""

    list_display = ("at", "warehouse", "part", "kind", "quantity", "balance", "ticket", "by")
    list_filter = ("kind", "warehouse__region", "warehouse")
    search_fields = ("part__sku", "part__name", "ticket__number", "note")
    list_select_related = ("warehouse", "part", "ticket", "by")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

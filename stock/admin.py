from django.contrib import admin

from stock.models import Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "active")
    list_filter = ("region", "active")
    search_fields = ("code", "name")

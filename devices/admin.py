from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from devices.models import Device, DeviceModel, SparePart
from devices.services import devices_import_csv
from stock.models import StockLevel
from warranty.models import Warranty

MAX_CSV_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: serial_number, model, merchant, activated_on (YYYY-MM-DD); "
            "optional: site_address, region, firmware_version, tid, mid, acquirer."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class WarrantyInline(admin.TabularInline):
    model = Warranty
    extra = 0


@admin.register(DeviceModel)
class DeviceModelAdmin(admin.ModelAdmin):
    list_display = ("brand", "name", "kind", "default_warranty_months")
    list_filter = ("brand", "kind")
    search_fields = ("brand", "name")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("serial_number", "model", "merchant", "status", "region", "activated_on", "tid")
    list_filter = ("status", "model", "region")
    list_select_related = ("model", "merchant", "region")
    search_fields = ("serial_number", "tid", "mid", "merchant__name")
    autocomplete_fields = ("merchant", "acquirer")
    inlines = [WarrantyInline]
    change_list_template = "admin/devices/device/change_list.html"

    def get_urls(self):
        import_url = path("import/", self.admin_site.admin_view(self.import_view), name="devices_device_import")
        return [import_url, *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = devices_import_csv(data=form.cleaned_data["file"].read())
            if report.ok:
                self.message_user(
                    request, _("Imported %(count)d terminals.") % {"count": len(report.created)}, messages.SUCCESS
                )
            else:
                self.message_user(
                    request, _("Nothing was imported; fix the rows below and upload the file again."), messages.ERROR
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import terminals from CSV"),
            "form": form,
            "report": report,
            "changelist_url": reverse("admin:devices_device_changelist"),
        }
        return TemplateResponse(request, "admin/devices/device/import.html", context)


class StockLevelInline(admin.TabularInline):
    """Each warehouse's level, read only: quantities change through receipts, transfers, adjustments
    and repairs (the managers' stock pages), each recorded as a movement."""

    model = StockLevel
    fields = ("warehouse", "quantity", "low_threshold")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SparePart)
class SparePartAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "stock_total", "unit_cost")
    search_fields = ("sku", "name")
    filter_horizontal = ("compatible_models",)
    inlines = [StockLevelInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total=Coalesce(Sum("stock_levels__quantity"), 0))

    @admin.display(description=_("in stock (all warehouses)"), ordering="total")
    def stock_total(self, part):
        return part.total

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.signals import region_changed
from devices.lifecycle import device_registered, device_scrap
from devices.models import Device, DeviceModel, DeviceMovement, Loan, SparePart
from devices.services import devices_import_csv
from possystem.errors import DomainError
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


class MovementInline(admin.TabularInline):
    """The terminal's history: written by `devices.lifecycle`, never edited."""

    model = DeviceMovement
    fk_name = "device"
    extra = 0
    fields = ("at", "kind", "from_status", "to_status", "warehouse", "merchant", "ticket", "counterpart", "by", "note")
    readonly_fields = fields
    can_delete = False
    ordering = ("-at", "-pk")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DeviceModel)
class DeviceModelAdmin(admin.ModelAdmin):
    list_display = ("brand", "name", "kind", "default_warranty_months")
    list_filter = ("brand", "kind")
    search_fields = ("brand", "name")
    filter_horizontal = ("accepted_by",)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("serial_number", "model", "merchant", "status", "warehouse", "region", "activated_on", "tid")
    list_filter = ("status", "warehouse", "model", "region")
    list_select_related = ("model", "merchant", "region", "warehouse")
    search_fields = ("serial_number", "tid", "mid", "merchant__name")
    autocomplete_fields = ("merchant", "acquirer")
    # A terminal's status and place change only through devices.lifecycle (the terminal's page,
    # swaps, loans, the scrap action here), so that every move is on its history.
    readonly_fields = ("status", "warehouse")
    inlines = [WarrantyInline, MovementInline]
    actions = ["scrap"]
    change_list_template = "admin/devices/device/change_list.html"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            device_registered(device=obj, by=request.user)  # added in stock, without a warehouse yet
        elif "region" in form.changed_data:
            region_changed.send(sender=Device, pks=[obj.pk])  # its open tickets move with it

    @admin.action(description=_("Scrap the selected terminals (in stock or in repair)"))
    def scrap(self, request, queryset):
        scrapped, refused = 0, []
        for device in queryset.order_by("pk"):
            try:
                device_scrap(device=device, by=request.user)
            except DomainError:
                refused.append(device.serial_number)
            else:
                scrapped += 1
        if scrapped:
            self.message_user(request, _("%(count)d terminals scrapped.") % {"count": scrapped}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                _("Not scrapped (deployed terminals are swapped out first): %(serials)s")
                % {"serials": ", ".join(refused)},
                messages.WARNING,
            )

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


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    """Loans are lent and returned on the ticket page (tickets.loans); the admin only reads them."""

    list_display = ("loaner", "own_device", "merchant", "ticket", "lent_at", "returned_at", "reminded_at")
    list_filter = ("returned_at",)
    list_select_related = ("loaner", "own_device", "merchant", "ticket")
    search_fields = ("loaner__serial_number", "own_device__serial_number", "ticket__number", "merchant__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from devices.models import DeviceModel, SparePart
from possystem.errors import DomainError
from stock.models import StockMovement, Warehouse
from stock.services import MAX_QUANTITY


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names, else above the form."""
    for field, messages in error.as_field_errors().items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def _part_field(**kwargs):
    return forms.ModelChoiceField(
        label=_("Spare part"),
        queryset=SparePart.objects.order_by("sku"),
        error_messages={
            "required": _("Choose the spare part."),
            "invalid_choice": _("Choose a spare part from the list."),
        },
        **kwargs,
    )


def _warehouse_field(label=None, **kwargs):
    return forms.ModelChoiceField(
        label=label or _("Warehouse"),
        queryset=Warehouse.objects.filter(active=True).select_related("region").order_by("code"),
        error_messages={"required": _("Choose a warehouse."), "invalid_choice": _("Choose a warehouse from the list.")},
        **kwargs,
    )


def _quantity_field(label, *, min_value=1):
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=MAX_QUANTITY,
        error_messages={"required": _("Enter the quantity."), "invalid": _("Enter a whole number.")},
    )


class ReceiveForm(forms.Form):
    part = _part_field()
    warehouse = _warehouse_field()
    quantity = _quantity_field(_("Quantity received"))
    note = forms.CharField(
        label=_("Delivery note or supplier"), max_length=255, required=False, help_text=_("Optional.")
    )


class TransferForm(forms.Form):
    part = _part_field()
    source = _warehouse_field(_("From warehouse"))
    destination = _warehouse_field(_("To warehouse"))
    quantity = _quantity_field(_("Quantity"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False, help_text=_("Optional."))

    def clean(self):
        cleaned = super().clean()
        source, destination = cleaned.get("source"), cleaned.get("destination")
        if source and destination and source == destination:
            self.add_error("destination", _("Choose two different warehouses."))
        return cleaned


class AdjustForm(forms.Form):
    part = _part_field()
    warehouse = _warehouse_field()
    change = forms.IntegerField(
        label=_("Change"),
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text=_("Positive adds to the stock, negative removes from it (e.g. −2 for two damaged)."),
        error_messages={"required": _("Enter the change."), "invalid": _("Enter a whole number.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Why the count differs: stocktake, damaged, lost …"),
        error_messages={"required": _("Say why the stock is adjusted.")},
    )

    def clean_change(self):
        change = self.cleaned_data["change"]
        if change == 0:
            raise forms.ValidationError(_("Enter the change as a whole number, negative to remove; not 0."))
        return change


class ThresholdForm(forms.Form):
    part = _part_field()
    warehouse = _warehouse_field()
    threshold = _quantity_field(_("Low-stock threshold"), min_value=0)
    threshold.help_text = _("Managers are told when the quantity falls to this level or below; 0 tells no one.")


class LevelFilterForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        queryset=Warehouse.objects.order_by("code"),
        required=False,
        empty_label=_("All warehouses"),
        error_messages={"invalid_choice": _("Choose a warehouse from the list.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("code"),
        required=False,
        empty_label=_("All regions"),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    part = forms.CharField(label=_("Part (SKU or name)"), max_length=64, required=False)
    low = forms.BooleanField(label=_("Low stock only"), required=False)


class TerminalFilterForm(forms.Form):
    warehouse = LevelFilterForm.base_fields["warehouse"]
    region = LevelFilterForm.base_fields["region"]
    model = forms.ModelChoiceField(
        label=_("Model"),
        queryset=DeviceModel.objects.order_by("brand", "name"),
        required=False,
        empty_label=_("All models"),
        error_messages={"invalid_choice": _("Choose a model from the list.")},
    )


class MovementFilterForm(forms.Form):
    warehouse = LevelFilterForm.base_fields["warehouse"]
    region = LevelFilterForm.base_fields["region"]
    part = LevelFilterForm.base_fields["part"]
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *StockMovement.Kind.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a kind from the list.")},
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

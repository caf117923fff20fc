from django import forms
from django.utils.translation import gettext_lazy as _

from stock.models import Warehouse


class DeviceMoveForm(forms.Form):
    """Staff on the terminal's page: a terminal in repair or in stock goes (back) into a warehouse,
    or is scrapped."""

    STOCK = "stock"
    SCRAP = "scrap"

    move = forms.ChoiceField(
        label=_("What happens to it"),
        choices=[(STOCK, _("Into stock at the warehouse below")), (SCRAP, _("Scrap it"))],
        widget=forms.RadioSelect,
        initial=STOCK,
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        queryset=Warehouse.objects.filter(active=True).select_related("region"),
        required=False,
        empty_label=_("— choose —"),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("move") == self.STOCK and not cleaned.get("warehouse"):
            self.add_error("warehouse", _("Choose the warehouse it goes to."))
        return cleaned

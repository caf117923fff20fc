from django import forms
from django.contrib import admin

from devices.models import FaultCategory
from warranty.models import Warranty, WarrantyPolicy


class WarrantyPolicyForm(forms.ModelForm):
    exclusions = forms.MultipleChoiceField(
        choices=FaultCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WarrantyPolicy
        fields = ["name", "kind", "months", "covers_parts", "covers_labour", "coverage", "exclusions"]


@admin.register(WarrantyPolicy)
class WarrantyPolicyAdmin(admin.ModelAdmin):
    form = WarrantyPolicyForm
    list_display = ("name", "kind", "months", "covers_parts", "covers_labour")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Warranty)
class WarrantyAdmin(admin.ModelAdmin):
    list_display = ("device", "policy", "starts_on", "ends_on")
    list_filter = ("policy",)
    list_select_related = ("device", "policy")
    search_fields = ("device__serial_number",)
    autocomplete_fields = ("device",)
    date_hierarchy = "ends_on"

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from devices.models import Device, DeviceModel, DeviceMovement, FaultCategory
from warranty.services import warranty_status


class DeviceModelOut(serializers.ModelSerializer):
    class Meta:
        model = DeviceModel
        fields = ["brand", "name", "kind"]


class WarrantyStateOut(serializers.Serializer):
    state = serializers.ChoiceField(choices=["covered", "expiring", "expired", "none"])
    ends_on = serializers.DateField(allow_null=True)


class DeviceOut(serializers.ModelSerializer):
    model = DeviceModelOut(read_only=True)
    merchant = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    warehouse = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Where a terminal in stock is kept."
    )
    warranty = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = [
            "serial_number",
            "model",
            "merchant",
            "site_address",
            "region",
            "firmware_version",
            "status",
            "warehouse",
            "activated_on",
            "tid",
            "mid",
            "warranty",
            "created_at",
        ]

    @extend_schema_field(WarrantyStateOut)
    def get_warranty(self, device):
        status = warranty_status(device=device)
        return {"state": status.state, "ends_on": status.ends_on}


class DeviceFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=Device.Status.choices, required=False)
    merchant = serializers.IntegerField(required=False, min_value=1)
    model = serializers.CharField(required=False, max_length=64)
    search = serializers.CharField(required=False, max_length=64, help_text="Part of a serial number, TID or address.")


class DeviceIn(serializers.Serializer):
    serial_number = serializers.CharField(max_length=64)
    model = serializers.CharField(max_length=64, help_text="The model's name, e.g. A920.")
    merchant = serializers.IntegerField(
        required=False, help_text="The merchant it is deployed at; partners must name one of theirs."
    )
    activated_on = serializers.DateField(required=False, allow_null=True, default=None)
    site_address = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    region = serializers.SlugField(max_length=32, required=False)
    firmware_version = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    tid = serializers.CharField(max_length=16, required=False, default="", allow_blank=True)
    mid = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)


class WarrantyQuery(serializers.Serializer):
    fault_category = serializers.ChoiceField(choices=FaultCategory.choices, required=False)
    on = serializers.DateField(required=False, help_text="The day to decide for (default: today, Asia/Shanghai).")


class WarrantyOut(serializers.Serializer):
    covered = serializers.BooleanField()
    policy = serializers.CharField(allow_null=True)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    reason_code = serializers.CharField()


class DeviceMovementOut(serializers.ModelSerializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    merchant = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    counterpart = serializers.SlugRelatedField(
        slug_field="serial_number",
        read_only=True,
        allow_null=True,
        help_text="The other terminal of a swap or a loan.",
    )

    class Meta:
        model = DeviceMovement
        fields = ["kind", "from_status", "to_status", "warehouse", "merchant", "ticket", "counterpart", "at", "note"]

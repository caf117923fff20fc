from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Merchant
from accounts.services import MERCHANT_CODE_REFUSED


class MerchantOut(serializers.ModelSerializer):
    partner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    device_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Merchant
        fields = [
            "id",
            "name",
            "code",
            "tier",
            "partner",
            "region",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "device_count",
            "created_at",
        ]


class MerchantIn(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    # A malformed code and another partner's code are answered alike (accounts.services).
    code = serializers.SlugField(
        max_length=32,
        help_text=_("Your unique code for the merchant."),
        error_messages={"invalid": MERCHANT_CODE_REFUSED},
    )
    tier = serializers.ChoiceField(choices=Merchant.Tier.choices, default=Merchant.Tier.STANDARD)
    partner = serializers.IntegerField(required=False, help_text=_("Staff only: the partner that brought it."))
    region = serializers.SlugField(max_length=32, required=False, help_text=_("Region code, e.g. shanghai."))
    address = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    contact_name = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    contact_email = serializers.EmailField(required=False, default="", allow_blank=True)

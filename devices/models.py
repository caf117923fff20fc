from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Merchant, Partner, Region
from accounts.scoping import ScopePaths
from devices.validators import validate_activation_date, validate_serial_number
from possystem.fields import latitude_field, longitude_field


class FaultCategory(models.TextChoices):
    """What is wrong with a terminal; warranty policies exclude some of these."""

    SCREEN = "screen", _("Screen or touch panel")
    PRINTER = "printer", _("Receipt printer")
    CARD_READER = "card_reader", _("Card reader (chip, swipe, contactless)")
    KEYPAD = "keypad", _("Keypad or PIN pad")
    BATTERY = "battery", _("Battery or charging")
    POWER = "power", _("Does not power on")
    CONNECTIVITY = "connectivity", _("Network, SIM or Wi-Fi")
    SOFTWARE = "software", _("Software or firmware error")
    PHYSICAL_DAMAGE = "physical_damage", _("Physical damage (dropped, cracked)")
    LIQUID_DAMAGE = "liquid_damage", _("Liquid damage")
    TAMPERING = "tampering", _("Tampering or security alert")
    OTHER = "other", _("Other")


class DeviceModel(models.Model):
    class Kind(models.TextChoices):
        COUNTERTOP = "countertop", _("Countertop terminal")
        SMART = "smart", _("Smart POS")
        MOBILE = "mobile", _("Mobile POS")
        PIN_PAD = "pin_pad", _("PIN pad")
        MPOS = "mpos", _("mPOS card reader")

    brand = models.CharField(_("brand"), max_length=64)
    name = models.CharField(_("model"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    default_warranty_months = models.PositiveSmallIntegerField(
        _("default warranty (months)"), default=12, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["brand", "name"]
        verbose_name = _("device model")
        verbose_name_plural = _("device models")

    def __str__(self):
        return f"{self.brand} {self.name}"


class Device(models.Model):
    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        DEPLOYED = "deployed", _("Deployed")
        IN_REPAIR = "in_repair", _("In repair")
        RETIRED = "retired", _("Retired")

    serial_number = models.CharField(
        _("serial number"), max_length=64, unique=True, validators=[validate_serial_number]
    )
    model = models.ForeignKey(DeviceModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="devices")
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    site_address = models.CharField(_("site address"), max_length=255, blank=True)
    # Where the site is: set by an admin, or by the first verified visit that reported its location.
    latitude = latitude_field(_("site latitude"))
    longitude = longitude_field(_("site longitude"))
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    firmware_version = models.CharField(_("firmware version"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_STOCK)
    activated_on = models.DateField(_("activated on"), null=True, blank=True, validators=[validate_activation_date])
    tid = models.CharField(_("terminal id (TID)"), max_length=16, blank=True)
    mid = models.CharField(_("merchant id (MID)"), max_length=20, blank=True)
    acquirer = models.ForeignKey(
        Partner,
        verbose_name=_("acquiring partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acquired_devices",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopePaths(merchant="merchant", assignments="tickets__assignments")

    class Meta:
        ordering = ["serial_number"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            # The acquirer's terminal id names one terminal among that acquirer's terminals.
            models.UniqueConstraint(
                fields=["acquirer", "tid"], condition=~Q(tid=""), name="device_tid_unique_per_acquirer"
            ),
            models.CheckConstraint(
                name="device_deployed_has_merchant",
                condition=~Q(status="deployed") | Q(merchant__isnull=False),
            ),
        ]

    def __str__(self):
        return self.serial_number


class SparePart(models.Model):
    """A spare part; how many of it each warehouse holds is `stock.StockLevel`."""

    sku = models.CharField(_("SKU"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    unit_cost = models.DecimalField(_("unit cost (CNY)"), max_digits=10, decimal_places=2)
    compatible_models = models.ManyToManyField(
        DeviceModel, verbose_name=_("compatible models"), related_name="spare_parts", blank=True
    )

    class Meta:
        ordering = ["sku"]
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")

    def __str__(self):
        return f"{self.sku} {self.name}"

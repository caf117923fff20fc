from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
    # The acquirers that certify this model for their terminals. An acquirer that accepts no model
    # at all accepts any model (`devices.lifecycle.acquirer_accepts`).
    accepted_by = models.ManyToManyField(
        Partner, verbose_name=_("accepted by acquirers"), related_name="accepted_models", blank=True
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
        RETIRED = "retired", _("Scrapped")

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
    # Where a terminal in stock is kept; empty once it leaves the warehouse (devices.lifecycle).
    warehouse = models.ForeignKey(
        "stock.Warehouse",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
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
            # Only a terminal in stock sits in a warehouse.
            models.CheckConstraint(
                name="device_warehouse_only_in_stock",
                condition=Q(status="in_stock") | Q(warehouse__isnull=True),
            ),
        ]

    def __str__(self):
        return self.serial_number


class DeviceMovement(models.Model):
    """One move of a terminal in its lifecycle, written by `devices.lifecycle` in the transaction that
    changes the terminal's status: warehouse → merchant → repair → warehouse, or scrapped."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received into stock")
        DEPLOYED = "deployed", _("Deployed at a merchant")
        SWAPPED_IN = "swapped_in", _("Deployed as a replacement")
        SWAPPED_OUT = "swapped_out", _("Swapped out for repair")
        LENT = "lent", _("Lent as a loaner")
        TO_REPAIR = "to_repair", _("Sent for repair")
        REPAIRED = "repaired", _("Back at the merchant after repair")
        RETURNED = "returned", _("Loaner returned to stock")
        RESTOCKED = "restocked", _("Back in stock")
        SCRAPPED = "scrapped", _("Scrapped")

    device = models.ForeignKey(Device, verbose_name=_("terminal"), on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(_("from status"), max_length=16, choices=Device.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=Device.Status.choices)
    warehouse = models.ForeignKey(
        "stock.Warehouse",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="device_movements",
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="device_movements",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The other terminal of a swap or a loan (the one replaced, or the merchant's own).
    counterpart = models.ForeignKey(
        Device, verbose_name=_("other terminal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    # A merchant or partner sees the moves of a terminal made while it was at one of its merchants,
    # never where it was before or went after (devices.selectors.device_movements).
    scope = ScopePaths(merchant="merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("terminal movement")
        verbose_name_plural = _("terminal movements")
        indexes = [
            # A terminal's history, newest first (the terminal's page and the API).
            models.Index(fields=["device", "-at", "-id"], name="device_movement_history"),
        ]

    def __str__(self):
        return f"{self.device} · {self.get_kind_display()}"


class Loan(models.Model):
    """A loaner (备机) left with a merchant while its own terminal is repaired at the depot."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="loans"
    )
    loaner = models.ForeignKey(
        Device, verbose_name=_("loaner terminal"), on_delete=models.PROTECT, related_name="loans_out"
    )
    own_device = models.ForeignKey(
        Device, verbose_name=_("merchant's own terminal"), on_delete=models.PROTECT, related_name="loans_covering"
    )
    merchant = models.ForeignKey(Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="loans")
    # The warehouse it came from, and goes back to.
    warehouse = models.ForeignKey(
        "stock.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="loans"
    )
    lent_at = models.DateTimeField(_("lent at"))
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by the reminder's claim (tickets.loans.loans_remind): the dispatchers hear of a loan once.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    scope = ScopePaths(merchant="merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["-lent_at", "-pk"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            # A terminal is out on one loan at a time, and a ticket has one loan out at a time.
            models.UniqueConstraint(
                fields=["loaner"], condition=Q(returned_at__isnull=True), name="loan_one_out_per_loaner"
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(returned_at__isnull=True), name="loan_one_out_per_ticket"
            ),
            models.CheckConstraint(name="loan_not_own_device", condition=~Q(loaner=models.F("own_device"))),
        ]
        indexes = [
            # Loans out too long and not yet reminded (tickets.loans.loans_remind).
            models.Index(
                fields=["lent_at"],
                condition=Q(returned_at__isnull=True, reminded_at__isnull=True),
                name="loan_out_unreminded",
            ),
        ]

    def __str__(self):
        return f"{self.loaner} → {self.merchant}"

    @property
    def is_out(self) -> bool:
        return self.returned_at is None

    @property
    def days_out(self) -> int:
        return ((self.returned_at or timezone.now()) - self.lent_at).days


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

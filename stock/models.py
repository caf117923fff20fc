from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region


class WarehouseQuerySet(models.QuerySet):
    def drawn_from_by(self, technician):
        """The warehouses a technician draws spares and replacement terminals from: those of the
        regions the technician serves."""
        return self.filter(active=True, region__in=technician.regions.all())


class Warehouse(models.Model):
    """A store of spare parts and terminals; one per region or more."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="warehouses")
    active = models.BooleanField(_("active"), default=True)

    objects = WarehouseQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [models.CheckConstraint(name="warehouse_code_not_blank", condition=~Q(code=""))]

    def __str__(self):
        return self.name


class StockLevel(models.Model):
    """How many of a spare part a warehouse holds, and the level at which managers want to hear.

    `quantity` changes only through `stock.services`, each change with its `StockMovement`; the check
    constraint is the backstop of the conditional UPDATE that keeps it from going below zero.
    """

    part = models.ForeignKey(
        "devices.SparePart", verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="stock_levels"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock_levels"
    )
    quantity = models.IntegerField(_("quantity"), default=0)
    low_threshold = models.PositiveIntegerField(
        _("low-stock threshold"),
        default=0,
        help_text=_("Managers are told when the quantity falls to this level or below; 0 tells no one."),
    )
    # When the managers were told the level is low; cleared when it is above the threshold again,
    # so the next fall tells them again (`stock.services._low_stock_check`).
    low_notified_at = models.DateTimeField(_("low stock reported at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["warehouse__code", "part__sku"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["part", "warehouse"], name="stock_level_unique_part_warehouse"),
            models.CheckConstraint(name="stock_level_quantity_not_negative", condition=Q(quantity__gte=0)),
        ]

    def __str__(self):
        return f"{self.part} @ {self.warehouse}"

    @property
    def is_low(self) -> bool:
        return self.low_threshold > 0 and self.quantity <= self.low_threshold


class StockMovement(models.Model):
    """One change of a stock level, with its sign: what came in or went out, why, who and when."""

    class Kind(models.TextChoices):
        USED = "used", _("Used on a ticket")
        RECEIVED = "received", _("Received")
        TRANSFER_OUT = "transfer_out", _("Transferred out")
        TRANSFER_IN = "transfer_in", _("Transferred in")
        ADJUSTED = "adjusted", _("Adjusted")

    part = models.ForeignKey(
        "devices.SparePart", verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="stock_movements"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock_movements"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Signed: what came in is positive, what went out negative.
    quantity = models.IntegerField(_("quantity"))
    balance = models.IntegerField(_("balance after"))
    # The other end of a transfer.
    other_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("from or to warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    report = models.ForeignKey(
        "technicians.RepairReport",
        verbose_name=_("repair report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    note = models.CharField(_("reason or note"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            # The managers' movements list, newest first, filtered by warehouse (stock.selectors).
            models.Index(fields=["warehouse", "-at"], name="stock_movement_wh_at"),
            # A part's history across warehouses (the same list filtered by part).
            models.Index(fields=["part", "-at"], name="stock_movement_part_at"),
        ]
        constraints = [
            models.CheckConstraint(
                name="stock_movement_sign_follows_kind",
                condition=(Q(kind__in=["received", "transfer_in"], quantity__gt=0))
                | Q(kind__in=["used", "transfer_out"], quantity__lt=0)
                | (Q(kind="adjusted") & ~Q(quantity=0)),
            ),
            models.CheckConstraint(name="stock_movement_balance_not_negative", condition=Q(balance__gte=0)),
            models.CheckConstraint(
                name="stock_movement_adjustment_has_reason", condition=~Q(kind="adjusted") | ~Q(note="")
            ),
            models.CheckConstraint(
                name="stock_movement_use_has_ticket", condition=~Q(kind="used") | Q(ticket__isnull=False)
            ),
            models.CheckConstraint(
                name="stock_movement_transfer_has_other_end",
                condition=~Q(kind__in=["transfer_out", "transfer_in"]) | Q(other_warehouse__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} {self.part} @ {self.warehouse}"

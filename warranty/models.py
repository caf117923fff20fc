from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopePaths
from devices.models import Device, FaultCategory


class WarrantyPolicy(models.Model):
    class Kind(models.TextChoices):
        MANUFACTURER = "manufacturer", _("Manufacturer warranty")
        EXTENSION = "extension", _("Extended warranty")

    name = models.CharField(_("name"), max_length=128, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MANUFACTURER)
    months = models.PositiveSmallIntegerField(_("months"), validators=[MinValueValidator(1)])
    covers_parts = models.BooleanField(_("covers parts"), default=True)
    covers_labour = models.BooleanField(_("covers labour"), default=True)
    coverage = models.TextField(_("what it covers"), blank=True)
    # Fault categories this policy does not cover (FaultCategory values). A JSON list rather than a
    # PostgreSQL array so the embedded SQLite default runs the same code.
    exclusions = models.JSONField(_("excluded fault categories"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")

    def __str__(self):
        return self.name

    def clean(self):
        unknown = sorted(set(self.exclusions or []) - set(FaultCategory.values))
        if unknown:
            raise ValidationError(
                {"exclusions": _("Unknown fault categories: %(names)s") % {"names": ", ".join(unknown)}}
            )

    def excludes(self, fault_category: str) -> bool:
        return fault_category in (self.exclusions or [])

    @property
    def exclusion_labels(self) -> list[str]:
        """The excluded fault categories in the reader's language."""
        return [
            str(FaultCategory(code).label) if code in FaultCategory.values else code for code in self.exclusions or []
        ]


class Warranty(models.Model):
    """A period during which a device is covered; both `starts_on` and `ends_on` are covered days."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="warranties")
    policy = models.ForeignKey(
        WarrantyPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="warranties"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopePaths(merchant="device__merchant", assignments="device__tickets__assignments")

    class Meta:
        ordering = ["device", "starts_on", "pk"]
        verbose_name = _("warranty")
        verbose_name_plural = _("warranties")
        constraints = [
            models.CheckConstraint(name="warranty_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))),
            models.UniqueConstraint(fields=["device", "policy", "starts_on"], name="warranty_unique_per_start"),
        ]

    def __str__(self):
        return f"{self.device} · {self.policy} · {self.starts_on}–{self.ends_on}"

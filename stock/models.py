from django.db import models
from django.db.models import Q
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

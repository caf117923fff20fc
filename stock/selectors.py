"""Reads of stock, scoped to the caller: the managers' pages and the parts a resolution offers."""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from accounts.models import User
from accounts.scoping import is_staff_actor
from devices.models import Device, DeviceModel
from stock.models import StockLevel, StockMovement, Warehouse
from stock.permissions import may_manage_stock


def warehouses_for_parts(*, actor) -> QuerySet:
    """The warehouses a resolution may take parts from: a technician's are those of the regions
    they serve (`Warehouse.objects.drawn_from_by`); dispatchers and managers may take from any open
    warehouse; nobody else from any."""
    if isinstance(actor, User) and actor.role == User.Role.TECHNICIAN:
        technician = getattr(actor, "technician", None)
        if technician is None:
            return Warehouse.objects.none()
        return Warehouse.objects.drawn_from_by(technician).select_related("region").order_by("code")
    if is_staff_actor(actor):
        return Warehouse.objects.filter(active=True).select_related("region").order_by("code")
    return Warehouse.objects.none()


def parts_with_levels(*, parts, warehouses) -> list:
    """`parts` with `levels`: (warehouse, quantity) for each of `warehouses`, in their order; one
    query for all the levels."""
    warehouses = list(warehouses)
    parts = list(parts)
    held = {
        (level.part_id, level.warehouse_id): level.quantity
        for level in StockLevel.objects.filter(part__in=parts, warehouse__in=warehouses)
    }
    for part in parts:
        part.levels = [(warehouse, held.get((part.pk, warehouse.pk), 0)) for warehouse in warehouses]
    return parts


def _managers_only(actor, queryset: QuerySet) -> QuerySet:
    return queryset if may_manage_stock(actor) else queryset.none()


def stock_levels(*, actor, warehouse=None, region=None, part: str = "", low_only: bool = False) -> QuerySet:
    """Levels per warehouse for the managers' page and its CSV, by warehouse then SKU."""
    levels = StockLevel.objects.select_related("part", "warehouse", "warehouse__region")
    if warehouse is not None:
        levels = levels.filter(warehouse=warehouse)
    if region is not None:
        levels = levels.filter(warehouse__region=region)
    if part:
        levels = levels.filter(Q(part__sku__icontains=part) | Q(part__name__icontains=part))
    if low_only:
        levels = levels.filter(low_threshold__gt=0, quantity__lte=F("low_threshold"))
    return _managers_only(actor, levels.order_by("warehouse__code", "part__sku", "pk"))


def stock_movements(
    *, actor, warehouse=None, region=None, part: str = "", kind: str = "", since=None, until=None
) -> QuerySet:
    """Movements, newest first, for the managers' page and its CSV (`stock_movement_wh_at` serves
    the warehouse filter)."""
    movements = StockMovement.objects.select_related("part", "warehouse", "other_warehouse", "ticket", "by")
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    if region is not None:
        movements = movements.filter(warehouse__region=region)
    if part:
        movements = movements.filter(Q(part__sku__icontains=part) | Q(part__name__icontains=part))
    if kind:
        movements = movements.filter(kind=kind)
    if since is not None:
        movements = movements.filter(at__gte=since)
    if until is not None:
        movements = movements.filter(at__lt=until)
    return _managers_only(actor, movements.order_by("-at", "-pk"))


def stock_level_of(*, actor, part, warehouse) -> StockLevel | None:
    """The level a stock form is about, from its (possibly typed-in, possibly bad) ids; None when
    there is none to show."""
    try:
        part_id, warehouse_id = int(str(part)), int(str(warehouse))
    except (TypeError, ValueError):
        return None
    if not (0 < part_id < 2**63 and 0 < warehouse_id < 2**63):
        return None
    return (
        _managers_only(actor, StockLevel.objects.select_related("part", "warehouse"))
        .filter(part_id=part_id, warehouse_id=warehouse_id)
        .first()
    )


@dataclass(frozen=True)
class SpareTerminals:
    """A warehouse's terminals in stock: (model, how many) by model, none when it holds none."""

    warehouse: Warehouse
    by_model: list[tuple[DeviceModel, int]]

    @property
    def total(self) -> int:
        return sum(count for _model, count in self.by_model)


def spare_terminals(*, actor, warehouse=None, region=None, model=None) -> list[SpareTerminals]:
    """The terminals in stock per active warehouse and model, for the managers' page: what a swap can
    leave with a merchant. Every warehouse the filters select is listed, an empty one too (the
    warehouse a swap cannot be served from). Three queries whatever the number of terminals."""
    warehouses = Warehouse.objects.filter(active=True).select_related("region").order_by("code")
    if warehouse is not None:
        warehouses = warehouses.filter(pk=warehouse.pk)
    if region is not None:
        warehouses = warehouses.filter(region=region)
    warehouses = list(_managers_only(actor, warehouses))
    terminals = Device.objects.filter(status=Device.Status.IN_STOCK, warehouse__in=warehouses)
    if model is not None:
        terminals = terminals.filter(model=model)
    counts = list(terminals.values("warehouse_id", "model_id").annotate(count=Count("pk")).order_by())
    models = DeviceModel.objects.in_bulk({row["model_id"] for row in counts})
    by_warehouse: dict[int, list[tuple[DeviceModel, int]]] = {}
    for row in counts:
        by_warehouse.setdefault(row["warehouse_id"], []).append((models[row["model_id"]], row["count"]))
    return [
        SpareTerminals(warehouse=w, by_model=sorted(by_warehouse.get(w.pk, []), key=lambda pair: str(pair[0])))
        for w in warehouses
    ]

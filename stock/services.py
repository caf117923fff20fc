"""Writes of stock: receive, adjust, transfer, and take parts for a ticket.

Lock policy: a level changes only by a conditional UPDATE (`quantity >= n` when taking), so two
takers of the last part cannot both succeed and the level never goes below zero (the check
constraint `stock_level_quantity_not_negative` is the backstop). A write that touches several levels
(a transfer, a resolution with several parts) takes their rows in one fixed order — part, then
warehouse, by primary key — so two such writes wait for each other instead of deadlocking. Every
change writes its `StockMovement` in the same transaction. The managers hear of a level falling to
its threshold once (`_low_stock_check`), through notices written in that transaction and sent by the
outbox after commit.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from devices.models import SparePart
from notifications.services import notify_users
from possystem.errors import InvalidInput, OutOfStock
from stock.models import StockLevel, StockMovement, Warehouse
from stock.permissions import require_stock_manager
from stock.selectors import warehouses_for_parts

MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class _Change:
    part: SparePart
    warehouse: Warehouse
    quantity: int  # signed
    kind: str
    other_warehouse: Warehouse | None = None

    @property
    def order(self) -> tuple[int, int]:
        return (self.part.pk, self.warehouse.pk)


def _user(by) -> User | None:
    return by if isinstance(by, User) else None


def _quantity_checked(quantity, *, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(_("Enter a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}, field=field)
    return quantity


def _open_warehouse(warehouse: Warehouse | None, *, field: str) -> Warehouse:
    if warehouse is None:
        raise InvalidInput(_("Choose a warehouse."), field=field)
    if not warehouse.active:
        raise InvalidInput(_("%(warehouse)s is closed.") % {"warehouse": warehouse.name}, field=field)
    return warehouse


def _apply(changes: list[_Change], *, by, now, ticket=None, report=None, note: str = "", field: str = "quantity"):
    """Apply signed changes to their levels in the fixed lock order and record each movement.

    Expects to run inside the caller's transaction. Taking more than a level holds raises
    `OutOfStock` naming `field`, and the caller's transaction rolls everything back."""
    movements = []
    for change in sorted(changes, key=lambda c: c.order):
        level_filter = {"part": change.part, "warehouse": change.warehouse}
        if change.quantity < 0:
            taken = StockLevel.objects.filter(**level_filter, quantity__gte=-change.quantity).update(
                quantity=F("quantity") + change.quantity, updated_at=now
            )
            if taken != 1:
                held = StockLevel.objects.filter(**level_filter).values_list("quantity", flat=True).first() or 0
                raise OutOfStock(
                    _("Not enough %(part)s at %(warehouse)s: %(needed)d needed, %(held)d there.")
                    % {
                        "part": change.part.name,
                        "warehouse": change.warehouse.name,
                        "needed": -change.quantity,
                        "held": held,
                    },
                    field=field,
                )
        else:
            # The row may not exist yet: an INSERT … ON CONFLICT DO NOTHING makes it without a race.
            StockLevel.objects.bulk_create(
                [StockLevel(part=change.part, warehouse=change.warehouse, quantity=0)], ignore_conflicts=True
            )
            StockLevel.objects.filter(**level_filter).update(quantity=F("quantity") + change.quantity, updated_at=now)
        # The row is ours until commit (we just updated it), so this reads the balance we made.
        level = StockLevel.objects.get(**level_filter)
        movements.append(
            StockMovement(
                part=change.part,
                warehouse=change.warehouse,
                kind=change.kind,
                quantity=change.quantity,
                balance=level.quantity,
                other_warehouse=change.other_warehouse,
                ticket=ticket,
                report=report,
                note=note,
                by=_user(by),
                at=now,
            )
        )
        _low_stock_check(level, part=change.part, warehouse=change.warehouse, now=now)
    return StockMovement.objects.bulk_create(movements)


def _low_stock_check(level: StockLevel, *, part: SparePart, warehouse: Warehouse, now) -> None:
    """Tell the managers when a level is at or below its threshold and they have not been told since
    it was last above it; re-arm when it is above again. The conditional UPDATEs repeat the state
    they read, so two writers at once tell the managers once."""
    if level.is_low:
        claimed = StockLevel.objects.filter(
            pk=level.pk, low_notified_at__isnull=True, low_threshold__gt=0, quantity__lte=F("low_threshold")
        ).update(low_notified_at=now)
        if claimed == 1:
            _low_stock_notify(part=part, warehouse=warehouse, quantity=level.quantity, threshold=level.low_threshold)
    elif level.low_notified_at is not None:
        StockLevel.objects.filter(pk=level.pk, low_notified_at__isnull=False).exclude(
            low_threshold__gt=0, quantity__lte=F("low_threshold")
        ).update(low_notified_at=None)


def _low_stock_notify(*, part: SparePart, warehouse: Warehouse, quantity: int, threshold: int) -> None:
    link = f"{reverse('stock:levels')}?warehouse={warehouse.pk}&low=1"
    notify_users(
        recipients=User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk"),
        compose=lambda: (
            _("Low stock: %(part)s at %(warehouse)s") % {"part": part.name, "warehouse": warehouse.name},
            _("%(warehouse)s holds %(quantity)d of %(sku)s %(part)s; the threshold is %(threshold)d.")
            % {
                "warehouse": warehouse.name,
                "quantity": quantity,
                "sku": part.sku,
                "part": part.name,
                "threshold": threshold,
            },
        ),
        link=link,
    )


# --- the managers' operations -------------------------------------------------------------------


def stock_receive(*, part: SparePart, warehouse: Warehouse, quantity: int, by, note: str = "") -> StockMovement:
    """Parts delivered to a warehouse."""
    require_stock_manager(by)
    quantity = _quantity_checked(quantity)
    _open_warehouse(warehouse, field="warehouse")
    now = timezone.now()
    with transaction.atomic():
        (movement,) = _apply(
            [_Change(part, warehouse, quantity, StockMovement.Kind.RECEIVED)], by=by, now=now, note=note.strip()
        )
    return movement


def stock_adjust(*, part: SparePart, warehouse: Warehouse, change: int, reason: str, by) -> StockMovement:
    """Correct a level after a count, a loss or damage: `change` is signed, the reason required."""
    require_stock_manager(by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the stock is adjusted."), field="reason")
    if not isinstance(change, int) or change == 0 or abs(change) > MAX_QUANTITY:
        raise InvalidInput(_("Enter the change as a whole number, negative to remove; not 0."), field="change")
    _open_warehouse(warehouse, field="warehouse")
    now = timezone.now()
    with transaction.atomic():
        (movement,) = _apply(
            [_Change(part, warehouse, change, StockMovement.Kind.ADJUSTED)],
            by=by,
            now=now,
            note=reason,
            field="change",
        )
    return movement


def stock_transfer(
    *, part: SparePart, source: Warehouse, destination: Warehouse, quantity: int, by, note: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Move parts between warehouses: out of one and into the other in one transaction."""
    require_stock_manager(by)
    quantity = _quantity_checked(quantity)
    _open_warehouse(source, field="source")
    _open_warehouse(destination, field="destination")
    if source.pk == destination.pk:
        raise InvalidInput(_("Choose two different warehouses."), field="destination")
    now = timezone.now()
    with transaction.atomic():
        movements = _apply(
            [
                _Change(part, source, -quantity, StockMovement.Kind.TRANSFER_OUT, other_warehouse=destination),
                _Change(part, destination, quantity, StockMovement.Kind.TRANSFER_IN, other_warehouse=source),
            ],
            by=by,
            now=now,
            note=note.strip(),
        )
    out = next(m for m in movements if m.kind == StockMovement.Kind.TRANSFER_OUT)
    into = next(m for m in movements if m.kind == StockMovement.Kind.TRANSFER_IN)
    return out, into


def stock_threshold_set(*, part: SparePart, warehouse: Warehouse, threshold: int, by) -> StockLevel:
    """Set the level at which managers hear of low stock (0: never). A level already at or below the
    new threshold tells them now, once."""
    require_stock_manager(by)
    if not isinstance(threshold, int) or not 0 <= threshold <= MAX_QUANTITY:
        raise InvalidInput(_("Enter a whole number from 0 to %(max)d.") % {"max": MAX_QUANTITY}, field="threshold")
    now = timezone.now()
    with transaction.atomic():
        StockLevel.objects.bulk_create([StockLevel(part=part, warehouse=warehouse, quantity=0)], ignore_conflicts=True)
        StockLevel.objects.filter(part=part, warehouse=warehouse).update(low_threshold=threshold, updated_at=now)
        level = StockLevel.objects.get(part=part, warehouse=warehouse)
        _low_stock_check(level, part=part, warehouse=warehouse, now=now)
    level.refresh_from_db()
    return level


# --- parts used on a ticket ---------------------------------------------------------------------


def stock_take_for_ticket(
    *, ticket, report, warehouse: Warehouse | None, parts: list[tuple[SparePart, int]], by
) -> list[StockMovement]:
    """Take the parts a repair used from one warehouse the resolver may draw from.

    Runs in the resolution's transaction (`tickets.services.ticket_resolve`); a shortage raises
    `OutOfStock` and the whole resolution rolls back."""
    if not parts:
        return []
    if warehouse is None:
        raise InvalidInput(_("Choose the warehouse the parts come from."), field="warehouse")
    if not warehouses_for_parts(actor=by).filter(pk=warehouse.pk).exists():
        raise InvalidInput(
            _("You cannot take parts from %(warehouse)s.") % {"warehouse": warehouse.name}, field="warehouse"
        )
    now = timezone.now()
    return _apply(
        [_Change(part, warehouse, -quantity, StockMovement.Kind.USED) for part, quantity in parts],
        by=by,
        now=now,
        ticket=ticket,
        report=report,
        field="parts",
    )

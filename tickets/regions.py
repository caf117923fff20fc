"""Where a job is: the terminal's region, else the merchant's. Stored as `Ticket.region`, so that the
console's region filter reads one indexed column (`ticket_console_region`) instead of two joins.

Filing writes it (`region_id_of`); a terminal or a merchant whose region changes (`devices.lifecycle`,
the admin) sends `accounts.signals.region_changed` in its transaction, and `region_changed_answer`
rewrites the region of their open tickets there, in one UPDATE. A closed ticket keeps the region it
was served in. `ticket_region_fill` writes it for rows written without filing (the migration that
added it, the benchmarks' bulk rows).
"""

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Merchant
from devices.models import Device
from tickets.models import OPEN_STATUSES, Ticket


def region_id_of(*, device: Device | None, merchant: Merchant) -> int | None:
    """The region of a job at `merchant` on `device` (None for a request without a terminal), by id:
    no query."""
    if device is not None and device.region_id is not None:
        return device.region_id
    return merchant.region_id


def region_expression(apps=global_apps) -> Coalesce:
    """`region_of` as a column expression over tickets: for an UPDATE of many at once."""
    Device = apps.get_model("devices", "Device")
    Merchant = apps.get_model("accounts", "Merchant")
    return Coalesce(
        Subquery(Device.objects.filter(pk=OuterRef("device_id")).values("region_id")[:1]),
        Subquery(Merchant.objects.filter(pk=OuterRef("merchant_id")).values("region_id")[:1]),
    )


def tickets_region_refresh(tickets) -> int:
    """The region of the open ones among `tickets` written again: one UPDATE, in the caller's
    transaction. Returns how many were rewritten."""
    return tickets.filter(status__in=OPEN_STATUSES).update(region=region_expression())


def region_changed_answer(sender, pks, **kwargs) -> None:
    """Terminals or merchants moved to another region: their open tickets move with them."""
    if not pks:
        return
    if sender is Device:
        tickets_region_refresh(Ticket.objects.filter(device_id__in=pks))
    elif sender is Merchant:
        # Only the tickets the merchant's region decides: those of terminals without a region of their own.
        unplaced = Q(device__isnull=True) | Q(device__region__isnull=True)
        tickets_region_refresh(Ticket.objects.filter(unplaced, merchant_id__in=pks))


# One batch of the fill on PostgreSQL: a range of ids in one UPDATE ... FROM (the ticket joined to
# itself, its merchant and its terminal), rows already right left alone. SQLite, the quick start's few
# rows, takes the portable correlated form.
_FILL_SQL = """
UPDATE tickets_ticket AS t
SET region_id = COALESCE(d.region_id, m.region_id)
FROM tickets_ticket AS s
JOIN accounts_merchant AS m ON m.id = s.merchant_id
LEFT JOIN devices_device AS d ON d.id = s.device_id
WHERE t.id = s.id AND s.id > %s AND s.id <= %s
  AND t.region_id IS DISTINCT FROM COALESCE(d.region_id, m.region_id)
"""


def ticket_region_fill(apps=global_apps, *, batch: int = 50_000) -> None:
    """Every ticket's region from its terminal and merchant, `batch` ids at a time, each batch one
    statement (and, outside a transaction, its own commit)."""
    Ticket = apps.get_model("tickets", "Ticket")
    ids = Ticket.objects.order_by("pk").values_list("pk", flat=True)
    first, last = ids.first(), ids.last()
    if first is None:
        return
    low = first - 1
    while low < last:
        high = low + batch
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_FILL_SQL, [low, high])
        else:
            Ticket.objects.filter(pk__gt=low, pk__lte=high).update(region=region_expression(apps))
        low = high

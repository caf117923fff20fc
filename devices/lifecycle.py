"""A terminal's lifecycle: every change of `Device.status` goes through here and leaves a
`DeviceMovement` in the same transaction.

    in stock (at a warehouse) ──deploy / swap in / lend──▶ deployed (at a merchant: site, TID/MID, acquirer)
          ▲                                                   │
          │ restock / loaner returned                         │ to repair / swapped out
          │                                                   ▼
          └──────────────────────────────────────────── in repair ──repaired──▶ deployed (its merchant again)
    in stock or in repair ──scrap──▶ scrapped

Each move is a conditional UPDATE whose WHERE repeats the status (and, leaving stock, the warehouse)
the caller read: of two requests taking the same terminal one updates a row and the other none,
which is refused with `StateConflict` (no lost update, no terminal deployed twice). The functions
expect to run inside the caller's transaction (`transaction.atomic` is opened here too, so a lone
call is atomic by itself).

The acquirer's binding (TID, MID, acquirer) belongs to the merchant's service, not to a piece of
hardware: a swap or a loan moves it to the terminal that takes the payments. The terminal giving it
up is moved (conditionally) first and lets go of it, then the other receives it (`binding_of`,
`binding_give`), so a terminal swapped twice at once cannot hand its TID to two replacements.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.signals import region_changed
from devices.models import Device, DeviceModel, DeviceMovement, Loan
from possystem.errors import StateConflict

Status = Device.Status
Kind = DeviceMovement.Kind

# What a terminal leaves behind when it goes back to a warehouse or the depot.
_UNBOUND = {"tid": "", "mid": "", "acquirer": None}


def acquirer_accepts(acquirer, device_model: DeviceModel) -> bool:
    """Whether `acquirer` takes payments on `device_model`; an acquirer that names no model takes any
    (and so does a terminal with no acquirer)."""
    if acquirer is None:
        return True
    accepted = acquirer.accepted_models.all()
    return not accepted.exists() or accepted.filter(pk=device_model.pk).exists()


def _user(by) -> User | None:
    # A partner's API key is not a user; the system acts as nobody.
    return by if isinstance(by, User) else None


@transaction.atomic
def _move(
    device: Device,
    *,
    kind: str,
    to_status: str,
    fields: dict,
    by,
    ticket=None,
    note: str = "",
    now: datetime.datetime | None = None,
    from_statuses: tuple[str, ...],
    warehouse=None,
    merchant=None,
    counterpart: Device | None = None,
) -> DeviceMovement:
    """Move `device` to `to_status` if it is still as the caller read it (its status and, for one in
    stock, its warehouse); write the movement. `warehouse` and `merchant` are what the movement
    records (where it went or came from)."""
    now = now or timezone.now()
    from_status = device.status
    if from_status not in from_statuses:
        raise StateConflict(
            _("Terminal %(serial)s is “%(status)s” and cannot be moved this way.")
            % {"serial": device.serial_number, "status": Status(from_status).label},
            code="device_state",
        )
    updated = Device.objects.filter(pk=device.pk, status=from_status, warehouse=device.warehouse_id).update(
        status=to_status, **fields
    )
    if updated != 1:
        raise StateConflict(
            _("Terminal %(serial)s was just moved by someone else.") % {"serial": device.serial_number},
            code="device_taken",
        )
    region_before = device.region_id
    device.status = to_status
    for name, value in fields.items():
        setattr(device, name, value)
    if device.region_id != region_before:
        region_changed.send(sender=Device, pks=[device.pk])
    return DeviceMovement.objects.create(
        device=device,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        warehouse=warehouse,
        merchant=merchant,
        ticket=ticket,
        counterpart=counterpart,
        by=_user(by),
        at=now,
        note=note[:255],
    )


def device_registered(*, device: Device, by=None, now=None) -> DeviceMovement:
    """The first entry of a terminal's history, written when it is registered."""
    return DeviceMovement.objects.create(
        device=device,
        kind=Kind.DEPLOYED if device.status == Status.DEPLOYED else Kind.RECEIVED,
        from_status="",
        to_status=device.status,
        warehouse=device.warehouse,
        merchant=device.merchant,
        by=_user(by),
        at=now or timezone.now(),
    )


def device_receive(*, device: Device, warehouse, by, note: str = "", now=None) -> DeviceMovement:
    """A terminal in stock is put in (or moved to) `warehouse`."""
    return _move(
        device,
        kind=Kind.RECEIVED,
        to_status=Status.IN_STOCK,
        fields={"warehouse": warehouse},
        by=by,
        note=note,
        now=now,
        from_statuses=(Status.IN_STOCK,),
        warehouse=warehouse,
    )


def device_deploy(
    *,
    device: Device,
    merchant,
    by,
    site_address: str = "",
    region=None,
    tid: str = "",
    mid: str = "",
    acquirer=None,
    latitude=None,
    longitude=None,
    ticket=None,
    kind: str = Kind.DEPLOYED,
    note: str = "",
    counterpart=None,
    now=None,
) -> DeviceMovement:
    """A terminal leaves its warehouse and is deployed at `merchant` (its site, region and binding)."""
    return _move(
        device,
        kind=kind,
        to_status=Status.DEPLOYED,
        fields={
            "warehouse": None,
            "merchant": merchant,
            "site_address": site_address or merchant.address,
            "latitude": latitude,
            "longitude": longitude,
            "region": region or merchant.region,
            "tid": tid,
            "mid": mid,
            "acquirer": acquirer,
        },
        by=by,
        ticket=ticket,
        note=note,
        now=now,
        counterpart=counterpart,
        from_statuses=(Status.IN_STOCK,),
        warehouse=device.warehouse,
        merchant=merchant,
    )


def device_to_repair(
    *,
    device: Device,
    by,
    ticket=None,
    keep_merchant: bool,
    kind: str = Kind.TO_REPAIR,
    note: str = "",
    counterpart=None,
    now=None,
) -> DeviceMovement:
    """A deployed terminal goes to the depot. `keep_merchant`: it comes back to its merchant (a loan
    covers it meanwhile); otherwise it is the provider's again (swapped out) and leaves the
    merchant's terminals. Its binding must have moved to the terminal taking the payments first."""
    merchant = device.merchant
    # The site stays on record as the last one it served, until it goes back in stock.
    fields = {} if keep_merchant else {"merchant": None}
    return _move(
        device,
        kind=kind,
        to_status=Status.IN_REPAIR,
        fields={**fields, **_UNBOUND},
        by=by,
        ticket=ticket,
        note=note,
        now=now,
        counterpart=counterpart,
        from_statuses=(Status.DEPLOYED,),
        merchant=merchant,
    )


def device_repaired(*, device: Device, by, ticket=None, note: str = "", counterpart=None, now=None) -> DeviceMovement:
    """A terminal repaired at the depot goes back to its merchant (binding moved back by the caller)."""
    if device.merchant_id is None:
        raise StateConflict(_("This terminal belongs to no merchant; put it back in stock instead."))
    return _move(
        device,
        kind=Kind.REPAIRED,
        to_status=Status.DEPLOYED,
        fields={},
        by=by,
        ticket=ticket,
        note=note,
        now=now,
        counterpart=counterpart,
        from_statuses=(Status.IN_REPAIR,),
        merchant=device.merchant,
    )


def _not_on_loan(device: Device) -> None:
    # A terminal a loaner stands in for goes back to its merchant when the loan is returned
    # (tickets.loans.loan_return), not into stock or the scrap.
    loan = Loan.objects.filter(own_device=device, returned_at__isnull=True).select_related("ticket").first()
    if loan is not None:
        raise StateConflict(
            _(
                "A loaner stands in for this terminal on %(number)s; "
                "it goes back to the merchant when the loan is returned."
            )
            % {"number": loan.ticket.number},
            code="device_on_loan",
        )


def device_restock(
    *,
    device: Device,
    warehouse,
    by,
    ticket=None,
    kind: str = Kind.RESTOCKED,
    note: str = "",
    counterpart=None,
    now=None,
) -> DeviceMovement:
    """A repaired terminal, or a loaner back from a merchant, goes into `warehouse`, unbound."""
    _not_on_loan(device)
    merchant = device.merchant
    return _move(
        device,
        kind=kind,
        to_status=Status.IN_STOCK,
        fields={
            "warehouse": warehouse,
            "merchant": None,
            "site_address": "",
            "latitude": None,
            "longitude": None,
            "region": warehouse.region,
            **_UNBOUND,
        },
        by=by,
        ticket=ticket,
        note=note,
        now=now,
        counterpart=counterpart,
        from_statuses=(Status.IN_REPAIR, Status.DEPLOYED),
        warehouse=warehouse,
        merchant=merchant,
    )


def device_scrap(*, device: Device, by, note: str = "", now=None) -> DeviceMovement:
    """A terminal in stock or at the depot is scrapped; a deployed one must be swapped out first."""
    _not_on_loan(device)
    return _move(
        device,
        kind=Kind.SCRAPPED,
        to_status=Status.RETIRED,
        fields={"warehouse": None, "merchant": None, **_UNBOUND},
        by=by,
        note=note,
        now=now,
        from_statuses=(Status.IN_STOCK, Status.IN_REPAIR),
        warehouse=device.warehouse,
    )


def binding_of(device: Device) -> dict:
    """The acquirer's binding a terminal carries (TID, MID, acquirer), read before it lets go of it."""
    return {"tid": device.tid, "mid": device.mid, "acquirer": device.acquirer}


def binding_give(*, target: Device, binding: dict) -> None:
    """Give `target` a binding its previous holder has already let go of (the TID is unique per
    acquirer), inside the caller's transaction."""
    Device.objects.filter(pk=target.pk).update(**binding)
    for name, value in binding.items():
        setattr(target, name, value)


def binding_move(*, source: Device, target: Device) -> None:
    """Move the binding from `source` to `target`: `source` lets go of it first."""
    binding = binding_of(source)
    Device.objects.filter(pk=source.pk).update(**_UNBOUND)
    for name, value in _UNBOUND.items():
        setattr(source, name, value)
    binding_give(target=target, binding=binding)

"""A swap (换机): the technician leaves a terminal from stock in place of the faulty one.

`ticket_resolve` calls `swap_checked` before its transaction (so every field at fault is reported at
once) and `swap_record` inside it. The replacement must exist, be in stock at a warehouse the
technician on the job draws from (`Warehouse.objects.drawn_from_by`), and be of a model the
merchant's acquirer accepts (`devices.lifecycle.acquirer_accepts`). In the resolution's transaction
the replacement is deployed at the merchant's site with the faulty terminal's binding (TID, MID,
acquirer), and the faulty terminal goes to the depot, no longer the merchant's.

Warranty: each terminal keeps its own. A replacement never activated before is activated on the
day of the swap and gets its model's manufacturer warranty from that day.

Of two technicians taking the same replacement at once, the replacement's conditional UPDATE lets
one through; the other's resolution is refused with a field error and rolls back whole. The
replacement's row is taken before the faulty one's, so two swaps cannot deadlock on each other.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from devices.lifecycle import acquirer_accepts, binding_give, binding_of, device_deploy, device_to_repair
from devices.models import Device, DeviceMovement, Loan
from devices.services import manufacturer_policy_for
from possystem.errors import InvalidInput, StateConflict
from stock.models import Warehouse
from technicians.models import Assignment, RepairReport
from tickets.models import Ticket
from warranty.services import warranty_grant

FIELD = "replacement_serial"


@dataclass(frozen=True)
class Swap:
    faulty: Device
    replacement: Device


def terminal_from_stock(*, serial: str, merchant_device: Device, warehouses) -> tuple[Device | None, str]:
    """The terminal in stock with `serial`, fit to take `merchant_device`'s place, or None and the
    reason in words. `warehouses`: where the one taking it may draw from. Used by swaps and loans."""
    serial = (serial or "").strip()
    # As typed first; then whatever the case (a scanner or a phone keyboard may change it).
    found = Device.objects.select_related("model", "warehouse")
    device = (
        (found.filter(serial_number=serial).first() or found.filter(serial_number__iexact=serial).first())
        if serial
        else None
    )
    if device is None:
        return None, _("No terminal has the serial number %(serial)s. Check it, or scan it again.") % {"serial": serial}
    if device.pk == merchant_device.pk:
        return None, _("This is the merchant's own terminal; scan the one you leave in its place.")
    if device.status != Device.Status.IN_STOCK or device.warehouse_id is None:
        return None, _("Terminal %(serial)s is not in stock (it is “%(status)s”).") % {
            "serial": device.serial_number,
            "status": device.get_status_display(),
        }
    if not warehouses.filter(pk=device.warehouse_id).exists():
        return None, _("Terminal %(serial)s is kept at %(warehouse)s, which you do not draw from.") % {
            "serial": device.serial_number,
            "warehouse": device.warehouse.name,
        }
    if not acquirer_accepts(merchant_device.acquirer, device.model):
        return None, _("%(acquirer)s does not accept %(model)s terminals; choose another model.") % {
            "acquirer": merchant_device.acquirer,
            "model": device.model,
        }
    return device, ""


def swap_checked(*, ticket: Ticket, outcome: str, replacement_serial: str, errors: dict) -> Swap | None:
    """The swap the resolution asks for, checked; None when it asks for none. What is wrong goes
    into `errors` under `replacement_serial`."""
    serial = (replacement_serial or "").strip()
    if outcome != RepairReport.Outcome.SWAPPED:
        if serial:
            errors.setdefault(FIELD, []).append(
                _("A replacement serial number goes with the outcome “%(outcome)s”.")
                % {"outcome": RepairReport.Outcome.SWAPPED.label}
            )
        return None
    problem = ""
    faulty = Device.objects.select_related("acquirer").filter(pk=ticket.device_id).first()
    assignment = Assignment.objects.active().select_related("technician").filter(ticket=ticket).first()
    if not serial:
        problem = _("Scan or type the serial number of the terminal you leave with the merchant.")
    elif faulty is None:
        problem = _("This ticket names no terminal to swap.")
    elif Loan.objects.filter(ticket=ticket, returned_at__isnull=True).exists():
        problem = _("A loaner is out on this ticket; return it before swapping the terminal.")
    elif faulty.status != Device.Status.DEPLOYED or faulty.merchant_id != ticket.merchant_id:
        problem = _("The merchant's terminal is not deployed at the merchant, so it cannot be swapped.")
    elif assignment is None:
        problem = _("Assign a technician first: the replacement comes from the technician's warehouse.")
    if problem:
        errors.setdefault(FIELD, []).append(problem)
        return None
    replacement, problem = terminal_from_stock(
        serial=serial, merchant_device=faulty, warehouses=Warehouse.objects.drawn_from_by(assignment.technician)
    )
    if replacement is None:
        errors.setdefault(FIELD, []).append(problem)
        return None
    return Swap(faulty=faulty, replacement=replacement)


def stand_in_deploy(*, device: Device, instead_of: Device, ticket: Ticket, by, kind: str, now, field: str) -> None:
    """A terminal from stock deployed at the merchant's site in place of `instead_of` (a swap's
    replacement, a loaner); another resolution or loan that took it first is a field error."""
    try:
        device_deploy(
            device=device,
            merchant=ticket.merchant,
            site_address=instead_of.site_address,
            region=instead_of.region,
            latitude=instead_of.latitude,
            longitude=instead_of.longitude,
            by=by,
            ticket=ticket,
            kind=kind,
            counterpart=instead_of,
            now=now,
        )
    except StateConflict as error:
        raise InvalidInput(
            _("Terminal %(serial)s was just taken by someone else; scan another one.")
            % {"serial": device.serial_number},
            field=field,
        ) from error


def swap_record(*, swap: Swap, ticket: Ticket, by, now=None) -> None:
    """Inside the resolution's transaction: the replacement deployed in the faulty one's place with
    its binding, the faulty one to the depot; both moves on the terminals' histories."""
    now = now or timezone.now()
    faulty, replacement = swap.faulty, swap.replacement
    stand_in_deploy(
        device=replacement, instead_of=faulty, ticket=ticket, by=by,
        kind=DeviceMovement.Kind.SWAPPED_IN, now=now, field=FIELD,
    )  # fmt: skip
    binding = binding_of(faulty)
    device_to_repair(
        device=faulty,
        by=by,
        ticket=ticket,
        keep_merchant=False,
        kind=DeviceMovement.Kind.SWAPPED_OUT,
        counterpart=replacement,
        now=now,
    )
    binding_give(target=replacement, binding=binding)
    if replacement.activated_on is None:
        today = timezone.localdate(now)
        Device.objects.filter(pk=replacement.pk).update(activated_on=today)
        replacement.activated_on = today
        warranty_grant(device=replacement, policy=manufacturer_policy_for(replacement.model), starts_on=today)

"""Loaners (备机): a terminal from stock left with the merchant while its own is repaired at the depot.

Lending deploys the loaner at the merchant's site with the binding (TID, MID, acquirer) of the
merchant's own terminal, which goes to the depot still the merchant's; the merchant's service is
restored then (`Ticket.restored_at`). Returning moves the binding back, puts the merchant's own
terminal back in service and the loaner back in the warehouse it came from. Every move is on both
terminals' histories (`devices.lifecycle`) and on the ticket's timeline.

Who may lend or take back is `tickets.permissions` (`Action.LEND`, `Action.RETURN_LOAN`). Staff lend
from any active warehouse, the technician on the job from those they draw from. The loaner is
checked like a swap's replacement (`tickets.swaps.terminal_from_stock`).

A loan still out `LOAN_REMIND_AFTER_DAYS` after it was lent is reminded to the dispatchers once:
`loans_remind` claims it with a conditional UPDATE of `reminded_at`, so two beats or a redelivered
task tell nobody twice.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import is_staff_actor
from devices.lifecycle import (
    binding_give,
    binding_move,
    binding_of,
    device_repaired,
    device_restock,
    device_to_repair,
)
from devices.models import Device, DeviceMovement, Loan
from possystem.errors import InvalidInput, StateConflict
from stock.models import Warehouse
from tickets.events import actor_user, ticket_event_record
from tickets.models import Ticket, TicketEvent
from tickets.notices import merchant_notify, staff_notify
from tickets.permissions import Action, Facts, require
from tickets.swaps import stand_in_deploy, terminal_from_stock


def loan_out_for(ticket: Ticket) -> Loan | None:
    """The loan out on `ticket`, with both terminals, or None."""
    return (
        Loan.objects.select_related("loaner", "loaner__model", "own_device", "warehouse")
        .filter(ticket=ticket, returned_at__isnull=True)
        .first()
    )


def _warehouses_for(by, ticket: Ticket):
    if is_staff_actor(by):
        return Warehouse.objects.filter(active=True)
    assignment = ticket.active_assignment
    return Warehouse.objects.drawn_from_by(assignment.technician)


def loan_lend(*, ticket: Ticket, serial: str, by) -> Loan:
    """Lend the terminal in stock with `serial` while the ticket's terminal goes to the depot."""
    require(
        Action.LEND, by, ticket, Facts(loan_out=Loan.objects.filter(ticket=ticket, returned_at__isnull=True).exists())
    )
    own = Device.objects.select_related("acquirer").get(pk=ticket.device_id)
    if own.status != Device.Status.DEPLOYED or own.merchant_id != ticket.merchant_id:
        raise StateConflict(_("The merchant's terminal is not in service at the merchant, so no loaner is needed."))
    loaner, problem = terminal_from_stock(serial=serial, merchant_device=own, warehouses=_warehouses_for(by, ticket))
    if loaner is None:
        raise InvalidInput(problem, field="serial")
    now = timezone.now()
    try:
        with transaction.atomic():
            warehouse = loaner.warehouse
            stand_in_deploy(
                device=loaner, instead_of=own, ticket=ticket, by=by,
                kind=DeviceMovement.Kind.LENT, now=now, field="serial",
            )  # fmt: skip
            binding = binding_of(own)
            device_to_repair(device=own, by=by, ticket=ticket, keep_merchant=True, counterpart=loaner, now=now)
            binding_give(target=loaner, binding=binding)
            loan = Loan.objects.create(
                ticket=ticket,
                loaner=loaner,
                own_device=own,
                merchant=ticket.merchant,
                warehouse=warehouse,
                lent_at=now,
                lent_by=actor_user(by),
            )
            if ticket.restored_at is None:
                Ticket.objects.filter(pk=ticket.pk, restored_at__isnull=True).update(restored_at=now, updated_at=now)
                ticket.restored_at = now
            ticket_event_record(
                ticket=ticket,
                kind=TicketEvent.Kind.LOAN_OUT,
                by=by,
                now=now,
                message=loaner.serial_number,
                data={"loaner": loaner.serial_number, "own_device": own.serial_number},
            )
            merchant_notify(
                ticket=ticket,
                compose=lambda: (
                    _("A loaner terminal for %(number)s") % {"number": ticket.number},
                    _(
                        "Terminal %(loaner)s takes payments in place of %(own)s while yours is repaired. "
                        "We bring yours back and take the loaner then."
                    )
                    % {"loaner": loaner.serial_number, "own": own.serial_number},
                ),
            )
    except IntegrityError as error:
        # The unique constraints behind the checks: a loan for this ticket or this loaner meanwhile.
        raise StateConflict(_("A loaner is already out on this ticket."), code="loan_out") from error
    return loan


def loan_return(*, ticket: Ticket, by) -> Loan:
    """The merchant's own terminal is back from the depot: it takes over again (with its binding) and
    the loaner goes back to the warehouse it came from."""
    loan = loan_out_for(ticket)
    require(Action.RETURN_LOAN, by, ticket, Facts(loan_out=loan is not None))
    now = timezone.now()
    with transaction.atomic():
        claimed = Loan.objects.filter(pk=loan.pk, returned_at__isnull=True).update(
            returned_at=now, returned_by=actor_user(by)
        )
        if claimed != 1:
            raise StateConflict(_("This loaner was already returned."), code="no_loan")
        loan.returned_at, loan.returned_by = now, actor_user(by)
        loaner, own = loan.loaner, loan.own_device
        binding_move(source=loaner, target=own)
        device_repaired(device=own, by=by, ticket=ticket, counterpart=loaner, now=now)
        device_restock(
            device=loaner,
            warehouse=loan.warehouse,
            by=by,
            ticket=ticket,
            kind=DeviceMovement.Kind.RETURNED,
            counterpart=own,
            now=now,
        )
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.LOAN_RETURNED,
            by=by,
            now=now,
            message=loaner.serial_number,
            data={"loaner": loaner.serial_number, "own_device": own.serial_number},
        )
    return loan


def loans_remind(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Tell the dispatchers of each loan out longer than LOAN_REMIND_AFTER_DAYS, once. Returns how
    many were reminded now."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.LOAN_REMIND_AFTER_DAYS)
    due = (
        Loan.objects.filter(returned_at__isnull=True, reminded_at__isnull=True, lent_at__lte=cutoff)
        .select_related("ticket", "ticket__merchant", "loaner")
        .order_by("lent_at", "pk")[:batch]
    )
    reminded = 0
    for loan in due:
        with transaction.atomic():
            claimed = Loan.objects.filter(pk=loan.pk, returned_at__isnull=True, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed != 1:
                continue  # returned, or reminded by another worker, meanwhile
            ticket = loan.ticket
            days = (now - loan.lent_at).days
            ticket_event_record(
                ticket=ticket,
                kind=TicketEvent.Kind.LOAN_OVERDUE,
                now=now,
                public=False,
                message=loan.loaner.serial_number,
                data={"loaner": loan.loaner.serial_number, "days": days},
            )
            staff_notify(
                ticket=ticket,
                role=User.Role.DISPATCHER,
                compose=lambda loan=loan, ticket=ticket, days=days: (
                    _("Loaner %(serial)s still out on %(number)s")
                    % {"serial": loan.loaner.serial_number, "number": ticket.number},
                    _(
                        "%(merchant)s has had loaner %(serial)s for %(days)d days. "
                        "Bring its own terminal back and take the loaner."
                    )
                    % {"merchant": ticket.merchant.name, "serial": loan.loaner.serial_number, "days": days},
                ),
            )
            reminded += 1
    return reminded

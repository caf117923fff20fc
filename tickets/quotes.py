"""Quotes for out-of-warranty work: priced line by line, approved or declined by the merchant, reminded
once and lapsed when nobody answers.

- Lines: a spare part at its list price (`SparePart.unit_cost`) per piece, or labour at
  `LABOUR_RATE_CNY` per `LABOUR_RATE_UNIT` (visit or hour). Technicians choose quantities; only a
  manager may set another unit price (the list price is kept on the line). The quote's
  `parts_amount` and `labour_amount` are the sums of its lines, and it keeps the tax terms in force
  when it was sent (`PRICES_INCLUDE_TAX`, `VAT_RATE_PERCENT`).
- Sending a quote pauses the ticket's clocks until the merchant answers. Sending one after a quote
  was approved is a revision: the approved quote is superseded, and the merchant approves again.
- Approving resumes the clocks; the approved quote is what the resolution charges
  (`tickets.charges`). Declining ends the ticket "declined, returned unrepaired": the clocks stop,
  the technician is released and the merchant is told what they may do next.
- `quotes_follow_up` (beat, every 15 minutes) reminds the merchant once after
  `QUOTE_REMIND_AFTER_DAYS` and lapses the quote as declined after `QUOTE_LAPSE_AFTER_DAYS`. Each
  step is a conditional UPDATE on the quote's status, so two beats or a rerun do nothing twice.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from devices.models import SparePart
from possystem.errors import ActionNotAllowed, DomainError, InvalidInput, StateConflict
from possystem.formats import local_minute, money
from sla.deadlines import deadlines_after_pause
from technicians.models import Assignment
from tickets.events import actor_user, ticket_event_record
from tickets.models import Quote, QuoteLine, Status, Ticket, TicketEvent
from tickets.notices import merchant_notify, staff_notify, technician_notify
from tickets.permissions import Action, Facts, party_of, require

# The services' transition mechanics: a quote's answer moves the ticket like any other step.
from tickets.services import clock_pause, clock_resume, status_move

logger = logging.getLogger(__name__)

FEN = Decimal("0.01")
MAX_LINES = 20
MAX_QUANTITY = Decimal("99")
MAX_AMOUNT = Decimal("99999999.99")


@dataclass(frozen=True)
class LineIn:
    """One line as the technician asks for it: a spare part (or None for labour) and a quantity.
    `unit_price` None takes the list price; another price is a manager's."""

    spare_part: SparePart | None
    quantity: Decimal
    unit_price: Decimal | None = None
    description: str = ""


def labour_rate() -> tuple[Decimal, str]:
    """(price, unit) of labour: per visit or per hour, from the settings."""
    return settings.LABOUR_RATE_CNY, settings.LABOUR_RATE_UNIT


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as error:
        raise InvalidInput(_("Enter a number."), field=field) from error
    if not number.is_finite():
        raise InvalidInput(_("Enter a number."), field=field)
    return number


def quote_lines_priced(*, lines, by, ticket: Ticket) -> list[QuoteLine]:
    """The lines priced, unsaved, or the refusal: no lines, a bad quantity, a price that is not the
    list price from someone who is not a manager (403)."""
    lines = list(lines)
    if not lines:
        raise InvalidInput(_("Add at least one part or labour line."), field="lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(_("A quote has at most %(count)d lines.") % {"count": MAX_LINES}, field="lines")
    manager = party_of(by, ticket).manager
    rate, unit = labour_rate()
    priced = []
    for line in lines:
        quantity = _decimal(line.quantity, "quantity")
        part = line.spare_part
        whole = part is not None or unit == QuoteLine.Unit.VISIT
        if quantity <= 0 or quantity > MAX_QUANTITY or quantity != quantity.quantize(FEN):
            raise InvalidInput(_("Quantities are from 0.01 to 99."), field="quantity")
        if whole and quantity != quantity.to_integral_value():
            raise InvalidInput(_("Parts and visits are counted in whole numbers."), field="quantity")
        list_price = part.unit_cost if part is not None else rate
        unit_price = list_price
        if line.unit_price is not None:
            unit_price = _decimal(line.unit_price, "unit_price")
            if unit_price < 0 or unit_price > MAX_AMOUNT or unit_price != unit_price.quantize(FEN):
                raise InvalidInput(_("Enter a price in yuan, to the fen, of 0 or more."), field="unit_price")
            if unit_price != list_price and not manager:
                raise ActionNotAllowed(
                    _("Only a manager may change a price; adjust the quantities instead."), field="unit_price"
                )
        amount = (quantity * unit_price).quantize(FEN, rounding=ROUND_HALF_UP)
        description = (line.description or "").strip()[:200] or (part.name if part is not None else "")
        priced.append(
            QuoteLine(
                kind=QuoteLine.Kind.PART if part is not None else QuoteLine.Kind.LABOUR,
                spare_part=part,
                description=description,
                unit=QuoteLine.Unit.PIECE if part is not None else unit,
                quantity=quantity.quantize(FEN),
                unit_price=unit_price,
                amount=amount,
                list_price=list_price if unit_price != list_price else None,
            )
        )
    if sum((line.amount for line in priced), Decimal("0")) > MAX_AMOUNT:
        raise InvalidInput(_("The total is too large."), field="lines")
    return priced


def quote_send(*, ticket: Ticket, by, lines, note: str = "") -> Quote:
    """Quote an out-of-warranty repair line by line; the ticket waits on the merchant's answer.

    After an approved quote this is a revision: the approved one is superseded in the same
    transaction, so the merchant approves the new work before it can be charged.
    """
    require(Action.QUOTE, by, ticket)
    priced = quote_lines_priced(lines=lines, by=by, ticket=ticket)
    now = timezone.now()
    with transaction.atomic():
        if ticket.status != Status.WAITING_MERCHANT:
            clock_pause(ticket, by=by, now=now, reason=_("Waiting for the merchant to approve a quote."))
        superseded = list(
            Quote.objects.filter(ticket=ticket, status=Quote.Status.APPROVED).values_list("pk", flat=True)
        )
        Quote.objects.filter(pk__in=superseded, status=Quote.Status.APPROVED).update(status=Quote.Status.SUPERSEDED)
        try:
            with transaction.atomic():
                quote = Quote.objects.create(
                    ticket=ticket,
                    parts_amount=sum(
                        (line.amount for line in priced if line.kind == QuoteLine.Kind.PART), Decimal("0")
                    ),
                    labour_amount=sum(
                        (line.amount for line in priced if line.kind == QuoteLine.Kind.LABOUR), Decimal("0")
                    ),
                    prices_include_tax=settings.PRICES_INCLUDE_TAX,
                    vat_rate=settings.VAT_RATE_PERCENT,
                    note=(note or "").strip(),
                    created_by=actor_user(by),
                    created_at=now,
                )
        except IntegrityError as error:
            raise StateConflict(_("A quote is already waiting for the merchant's answer.")) from error
        for line in priced:
            line.quote = quote
        QuoteLine.objects.bulk_create(priced)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.QUOTE_SENT,
            by=by,
            now=now,
            message=quote.note,
            data={"quote": quote.pk, "total": str(quote.total), "supersedes": superseded},
        )
        merchant_notify(
            ticket=ticket,
            compose=lambda: (
                (_("Revised quote for %(number)s: %(total)s") if superseded else _("Quote for %(number)s: %(total)s"))
                % {"number": ticket.number, "total": money(quote.total)},
                _("Parts %(parts)s, labour %(labour)s, %(tax)s. Approve or decline it on the ticket page.")
                % {"parts": money(quote.parts_amount), "labour": money(quote.labour_amount), "tax": quote.tax_note},
            ),
        )
    return quote


def quote_decide(*, quote: Quote, by, approve: bool) -> Quote:
    """The merchant (or its partner) answers a pending quote. Approved: the clocks run again and the
    repair goes ahead. Declined: the ticket ends returned unrepaired."""
    ticket = quote.ticket
    require(Action.DECIDE_QUOTE, by, ticket, Facts(pending_quote=quote.status == Quote.Status.PENDING))
    now = timezone.now()
    status = Quote.Status.APPROVED if approve else Quote.Status.DECLINED
    with transaction.atomic():
        updated = Quote.objects.filter(pk=quote.pk, status=Quote.Status.PENDING).update(status=status, decided_at=now)
        if updated != 1:
            raise StateConflict(_("This quote was already answered."))
        quote.status, quote.decided_at = status, now
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.QUOTE_APPROVED if approve else TicketEvent.Kind.QUOTE_DECLINED,
            by=by,
            now=now,
            data={"quote": quote.pk, "total": str(quote.total)},
        )
        if not approve:
            _return_unrepaired(ticket, by=by, now=now, message=_("The merchant declined the quote."))
        elif ticket.status == Status.WAITING_MERCHANT:
            clock_resume(ticket, by=by, now=now)
    return quote


def _return_unrepaired(ticket: Ticket, *, by, now: datetime.datetime, message: str) -> None:
    """End the ticket "declined, returned unrepaired", in the caller's transaction: unmet deadlines
    move by the pause first (as a resume would), so the SLA readings judge them against the time the
    clocks actually ran; the checks are dropped with the status; the technician is released."""
    fields = {"returned_at": now}
    if ticket.status == Status.WAITING_MERCHANT:
        moved = deadlines_after_pause(ticket=ticket, paused_at=ticket.paused_at, resumed_at=now)
        fields.update(moved.as_fields(), paused_at=None, paused_from_status="")
    status_move(ticket, Status.RETURNED_UNREPAIRED, by=by, now=now, fields=fields, message=message)
    released = list(Assignment.objects.active().filter(ticket=ticket).select_related("technician__user"))
    Assignment.objects.filter(pk__in=[a.pk for a in released]).update(released_at=now)
    for assignment in released:
        technician_notify(
            ticket=ticket,
            user=assignment.technician.user,
            compose=lambda: (
                _("%(number)s: quote declined") % {"number": ticket.number},
                _("The merchant did not accept the quote; the job is closed unrepaired and off your list."),
            ),
        )
    merchant_notify(
        ticket=ticket,
        compose=lambda: (
            _("%(number)s: returned unrepaired") % {"number": ticket.number},
            _(
                "The quote was declined, so the terminal was not repaired and nothing is charged. If we took "
                "the terminal away, collect it or ask us to bring it back; file a new request whenever you want "
                "it repaired."
            ),
        ),
    )


def quote_lapse(*, quote: Quote, now: datetime.datetime) -> Quote:
    """A quote nobody answered within QUOTE_LAPSE_AFTER_DAYS lapses as declined (by the system)."""
    with transaction.atomic():
        updated = Quote.objects.filter(pk=quote.pk, status=Quote.Status.PENDING).update(
            status=Quote.Status.DECLINED, decided_at=now, lapsed=True
        )
        if updated != 1:
            raise StateConflict(_("This quote was already answered."))
        quote.status, quote.decided_at, quote.lapsed = Quote.Status.DECLINED, now, True
        ticket = Ticket.objects.select_related("merchant").get(pk=quote.ticket_id)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.QUOTE_DECLINED,
            by=None,
            now=now,
            data={"quote": quote.pk, "total": str(quote.total), "lapsed": True},
        )
        _return_unrepaired(
            ticket,
            by=None,
            now=now,
            message=_("No answer to the quote within %(days)d days.") % {"days": settings.QUOTE_LAPSE_AFTER_DAYS},
        )
        staff_notify(
            ticket=ticket,
            role=User.Role.DISPATCHER,
            compose=lambda: (
                _("%(number)s: the quote lapsed") % {"number": ticket.number},
                _("%(merchant)s did not answer the quote within %(days)d days; the ticket ended unrepaired.")
                % {"merchant": ticket.merchant.name, "days": settings.QUOTE_LAPSE_AFTER_DAYS},
            ),
        )
    return quote


def quote_remind(*, quote: Quote, now: datetime.datetime) -> bool:
    """Remind the merchant of a pending quote, once ever; False if it was reminded or answered."""
    with transaction.atomic():
        updated = Quote.objects.filter(pk=quote.pk, status=Quote.Status.PENDING, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if updated != 1:
            return False
        quote.reminded_at = now
        ticket = quote.ticket
        lapses_at = quote.created_at + datetime.timedelta(days=settings.QUOTE_LAPSE_AFTER_DAYS)
        ticket_event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.QUOTE_REMINDED,
            by=None,
            now=now,
            data={"quote": quote.pk, "total": str(quote.total), "lapses_at": lapses_at.isoformat()},
        )
        merchant_notify(
            ticket=ticket,
            compose=lambda: (
                _("Reminder: the quote for %(number)s waits for your answer") % {"number": ticket.number},
                _(
                    "Approve or decline %(total)s on the ticket page. Without an answer by %(when)s it counts "
                    "as declined."
                )
                % {"total": money(quote.total), "when": local_minute(lapses_at)},
            ),
        )
    return True


def quotes_follow_up(*, now: datetime.datetime | None = None, batch: int = 200) -> tuple[int, int]:
    """The beat's pass over pending quotes: lapse those past QUOTE_LAPSE_AFTER_DAYS, then remind
    those past QUOTE_REMIND_AFTER_DAYS that were never reminded. Returns (reminded, lapsed).

    Lapsing first: a quote past both (the beat was down) is not reminded a moment before it lapses.
    """
    now = now or timezone.now()
    pending = (
        Quote.objects.filter(status=Quote.Status.PENDING).select_related("ticket__merchant").order_by("created_at")
    )
    lapsed = 0
    lapse_before = now - datetime.timedelta(days=settings.QUOTE_LAPSE_AFTER_DAYS)
    for quote in pending.filter(created_at__lte=lapse_before)[:batch]:
        try:
            quote_lapse(quote=quote, now=now)
        except DomainError as error:  # answered meanwhile, or the ticket moved on
            logger.info("quote %s not lapsed: %s", quote.pk, error)
            continue
        lapsed += 1
    remind_before = now - datetime.timedelta(days=settings.QUOTE_REMIND_AFTER_DAYS)
    reminded = sum(
        quote_remind(quote=quote, now=now)
        for quote in pending.filter(reminded_at__isnull=True, created_at__lte=remind_before)[:batch]
    )
    return reminded, lapsed

"""What a resolution charges the merchant: the approved quote, and nothing typed at the last minute.

`tickets.services.ticket_resolve` asks `resolution_charge` before it writes anything. The rule:
in-warranty work is never charged; an out-of-warranty repair is charged exactly its approved quote
(`tickets.quotes`), and refused without one; a remote fix or advice without a quote is free. Parts
used beyond the approved quote's part lines are different work, which needs a revised quote.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from possystem.errors import TransitionNotAllowed
from technicians.models import RepairReport
from tickets.models import Quote, QuoteLine, Ticket

# Outcomes that need no quote: nothing was taken apart, nothing is charged.
FREE_WITHOUT_QUOTE = frozenset({RepairReport.Outcome.REMOTE, RepairReport.Outcome.ADVICE})


@dataclass(frozen=True)
class Charge:
    charged: bool
    parts: Decimal = Decimal("0")
    labour: Decimal = Decimal("0")
    quote: Quote | None = None

    @property
    def total(self) -> Decimal:
        return self.parts + self.labour


def approved_quote(ticket: Ticket) -> Quote | None:
    """The ticket's approved quote (at most one: a revision supersedes it), from a prefetch of
    `quotes` when there is one."""
    return next((quote for quote in ticket.quotes.all() if quote.status == Quote.Status.APPROVED), None)


def resolution_charge(*, ticket: Ticket, outcome: str, parts=()) -> Charge:
    """The charge of resolving `ticket` with `outcome` and `parts` [(spare part, quantity)], or a
    refusal (409) when the work is not what the merchant approved."""
    if ticket.warranty_covered:
        return Charge(charged=False)
    quote = approved_quote(ticket)
    if quote is None:
        if outcome in FREE_WITHOUT_QUOTE and not parts:
            return Charge(charged=False)
        raise TransitionNotAllowed(
            _(
                "This repair is out of warranty: send a quote and wait for the merchant's approval before "
                "completing it. Only a remote fix or advice without parts is free."
            ),
            code="quote_not_approved",
        )
    quoted: dict[int, Decimal] = {}
    for line in quote.lines.all():
        if line.kind == QuoteLine.Kind.PART:
            quoted[line.spare_part_id] = quoted.get(line.spare_part_id, Decimal("0")) + line.quantity
    used: dict[int, tuple] = {}
    for part, quantity in parts:
        previous = used.get(part.pk, (part, 0))[1]
        used[part.pk] = (part, previous + quantity)
    beyond = [part.name for pk, (part, quantity) in used.items() if quantity > quoted.get(pk, 0)]
    if beyond:
        raise TransitionNotAllowed(
            _(
                "%(parts)s is not in the approved quote. Different work needs a revised quote the merchant "
                "approves first."
            )
            % {"parts": ", ".join(beyond)},
            code="quote_differs",
        )
    return Charge(charged=True, parts=quote.parts_amount, labour=quote.labour_amount, quote=quote)

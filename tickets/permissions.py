"""Who may do what to a ticket, and when: the status machine and one rule per action.

The services' guards (`require`) and the ticket page's buttons (`allowed_actions`) read the same
rules, so a button is shown exactly when the service would accept the action. A rule has two
halves: who may act (refused with `ActionNotAllowed`, a 403 in the API) and whether the ticket's
state allows it now (refused with `TransitionNotAllowed` or `StateConflict`, a 409). The services
still move a ticket with a conditional UPDATE, so a ticket changed by someone else between the check
and the write is refused there.

`by`, the one acting, is a user, a `PartnerPrincipal` (a partner's API key) or None (the system).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Merchant, User
from accounts.scoping import is_staff_actor
from possystem.errors import ActionNotAllowed, DomainError, StateConflict, TransitionNotAllowed
from tickets.models import Status, Ticket

# The legal moves of the status machine. `waiting_merchant` returns to the status it paused.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.WAITING_MERCHANT, Status.CANCELLED}),
    Status.ACKNOWLEDGED: frozenset(
        {Status.DISPATCHED, Status.RESOLVED, Status.WAITING_MERCHANT, Status.CANCELLED, Status.RETURNED_UNREPAIRED}
    ),
    # Back to acknowledged: the technician declined, and the job is the dispatcher's again.
    Status.DISPATCHED: frozenset(
        {
            Status.DISPATCHED,
            Status.ON_SITE,
            Status.ACKNOWLEDGED,
            Status.WAITING_MERCHANT,
            Status.CANCELLED,
            Status.RETURNED_UNREPAIRED,
        }
    ),
    Status.ON_SITE: frozenset(
        {Status.RESOLVED, Status.WAITING_MERCHANT, Status.DISPATCHED, Status.RETURNED_UNREPAIRED}
    ),
    # To returned unrepaired: the merchant declined the quote, or let it lapse (tickets.quotes).
    Status.WAITING_MERCHANT: frozenset(
        {
            Status.NEW,
            Status.ACKNOWLEDGED,
            Status.DISPATCHED,
            Status.ON_SITE,
            Status.CANCELLED,
            Status.RETURNED_UNREPAIRED,
        }
    ),
    # Back to acknowledged: the merchant said "not fixed" and the job needs another visit.
    Status.RESOLVED: frozenset({Status.CLOSED, Status.ACKNOWLEDGED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.RETURNED_UNREPAIRED: frozenset(),
}

# Merchants (and partners on their behalf) may cancel until a technician is on the way.
MERCHANT_CANCELLABLE = frozenset({Status.NEW, Status.ACKNOWLEDGED})
# Statuses a quote can be sent in (before a pause, for a paused ticket): taken on and not finished.
QUOTABLE = frozenset({Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SITE})
TALKING = frozenset(set(Status.values) - {Status.CLOSED, Status.CANCELLED})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def transition_refusal(ticket: Ticket, to_status: str, *, only_from=None) -> TransitionNotAllowed | None:
    """Why the status machine refuses moving `ticket` to `to_status` now, or None. `only_from` narrows
    the step to some of the statuses the table allows it from (acknowledging is for new tickets; the
    way back from dispatched or resolved is a decline or a reopening, not an acknowledgement).

    Only a resume or a cancellation leaves a pause; any other step is refused in words.
    """
    if ticket.status == Status.WAITING_MERCHANT and to_status != Status.CANCELLED:
        return TransitionNotAllowed(_("This ticket is waiting for the merchant; resume it first."))
    if not can_transition(ticket.status, to_status) or (only_from is not None and ticket.status not in only_from):
        return TransitionNotAllowed(
            _("A ticket that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(ticket.status).label, "to": Status(to_status).label}
        )
    return None


class Action(StrEnum):
    REPLY = "reply"
    NOTE = "note"
    UPDATE = "update"
    CANCEL = "cancel"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ACCEPT = "accept"
    DECLINE = "decline"
    ON_MY_WAY = "on_my_way"
    CHECK_IN = "check_in"
    RECORD_VISIT = "record_visit"
    APPROVE_VISIT = "approve_visit"
    REJECT_VISIT = "reject_visit"
    QUOTE = "quote"
    DECIDE_QUOTE = "decide_quote"
    RESOLVE = "resolve"
    PAUSE = "pause"
    RESUME = "resume"
    CLOSE = "close"
    RATE = "rate"
    REOPEN = "reopen"
    LEND = "lend"
    RETURN_LOAN = "return_loan"


@dataclass(frozen=True)
class Party:
    """How the one acting stands to the ticket."""

    system: bool = False
    staff: bool = False
    manager: bool = False  # a manager or an admin: approves what dispatchers record
    technician: bool = False  # the technician of the ticket's active assignment
    merchant: bool = False  # a user of the ticket's merchant
    partner: bool = False  # the partner that brought the ticket's merchant, signed in or by API key
    is_user: bool = False  # a signed-in person, not the system or an API key

    @property
    def merchant_side(self) -> bool:
        return self.merchant or self.partner

    @property
    def staff_side(self) -> bool:
        return self.staff or self.technician


def party_of(by, ticket: Ticket) -> Party:
    """Reads the ticket's assignments (from a prefetch when there is one) and, for a partner, its
    merchant."""
    if by is None:
        return Party(system=True)
    if not by.is_authenticated or not by.is_active:
        return Party()
    active = ticket.active_assignment if by.role == User.Role.TECHNICIAN else None
    return Party(
        staff=is_staff_actor(by),
        manager=by.is_superuser or by.role in (User.Role.MANAGER, User.Role.ADMIN),
        technician=active is not None and active.technician.user_id == by.pk,
        merchant=_is_merchant_user(by, ticket.merchant_id),
        partner=by.role == User.Role.PARTNER and _is_partner_of(by, ticket.merchant),
        is_user=isinstance(by, User),
    )


def may_file_for(by, merchant: Merchant) -> bool:
    """Staff file for any merchant (a request that came by phone, say), a merchant's users for their
    own, a partner for the merchants it brought; the system for anyone."""
    return by is None or is_staff_actor(by) or _is_merchant_user(by, merchant.pk) or _is_partner_of(by, merchant)


def _is_merchant_user(by, merchant_id: int) -> bool:
    return by.role == User.Role.MERCHANT and by.merchant_id == merchant_id


def _is_partner_of(by, merchant: Merchant) -> bool:
    return by.role == User.Role.PARTNER and by.partner_id is not None and merchant.partner_id == by.partner_id


@dataclass(frozen=True)
class Facts:
    """What some rules need beyond the ticket. None means unknown: the service leaves the decision
    to the database constraint behind it (one pending quote per ticket, one rating per ticket)."""

    pending_quote: bool | None = None
    has_feedback: bool | None = None
    pending_visit: bool | None = None  # a visit recorded by staff, not yet approved
    loan_out: bool | None = None  # a loaner terminal is with the merchant on this ticket


# --- the rules ---------------------------------------------------------------------------------------

Who = Callable[[Party], bool]
When = Callable[[Ticket, Party, Facts], DomainError | None]


def _before_pause(ticket: Ticket) -> str:
    return ticket.paused_from_status if ticket.status == Status.WAITING_MERCHANT else ticket.status


def _open_for_talk(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status not in TALKING:
        return TransitionNotAllowed(_("This ticket is closed; file a new request if you need more help."))
    return None


def _still_open(ticket: Ticket, party: Party, facts: Facts):
    return None if ticket.is_open else TransitionNotAllowed(_("A closed ticket cannot be changed."))


def _cancellable(ticket: Ticket, party: Party, facts: Facts):
    refusal = transition_refusal(ticket, Status.CANCELLED)
    if refusal is not None or party.staff:
        return refusal
    if _before_pause(ticket) not in MERCHANT_CANCELLABLE:
        return TransitionNotAllowed(_("A technician is already on the way; call us to cancel this visit."))
    return None


def _moves_to(status: str) -> When:
    return lambda ticket, party, facts: transition_refusal(ticket, status)


def _assignable(ticket: Ticket, party: Party, facts: Facts):
    # A new ticket is acknowledged on the way to being dispatched.
    return None if ticket.status == Status.NEW else transition_refusal(ticket, Status.DISPATCHED)


def _not_yet_accepted(ticket: Ticket, party: Party, facts: Facts):
    active = ticket.active_assignment
    if active is None or active.accepted_at is not None:
        return StateConflict(_("This job was already accepted or is no longer yours."))
    return None


def _declinable(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status == Status.ON_SITE:
        return TransitionNotAllowed(
            _("A job you have checked in to cannot be declined; resolve it or call the dispatcher.")
        )
    return transition_refusal(ticket, Status.ACKNOWLEDGED, only_from={Status.DISPATCHED})


def _accepted(ticket: Ticket) -> DomainError | None:
    active = ticket.active_assignment
    if active is not None and active.accepted_at is None:
        return TransitionNotAllowed(_("The job must be accepted first."))
    return None


def _can_set_off(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status == Status.ON_SITE:
        return TransitionNotAllowed(_("You are already on site for this job."))
    refusal = transition_refusal(ticket, Status.ON_SITE) or _accepted(ticket)
    if refusal is None and ticket.active_assignment.departed_at is not None:
        return StateConflict(_("The merchant already knows you are on the way."))
    return refusal


def _can_check_in(ticket: Ticket, party: Party, facts: Facts):
    return transition_refusal(ticket, Status.ON_SITE) or _accepted(ticket)


def _visit_recordable(ticket: Ticket, party: Party, facts: Facts):
    refusal = transition_refusal(ticket, Status.ON_SITE)
    if refusal is None and ticket.active_assignment is None:
        return TransitionNotAllowed(_("Assign a technician before recording a visit."))
    return refusal


def _visit_pending(ticket: Ticket, party: Party, facts: Facts):
    if facts.pending_visit is False:
        return StateConflict(_("No visit of this ticket is waiting for approval."))
    return None


def _visit_rejectable(ticket: Ticket, party: Party, facts: Facts):
    # While the ticket is on site on the strength of that visit: rejecting it sends the ticket back
    # to dispatched, so the technician can still check in with the code. After the resolution the
    # visit can only be approved, or left unverified (the milestone then never counts as met).
    refusal = _visit_pending(ticket, party, facts)
    if refusal is None and ticket.status != Status.ON_SITE:
        return TransitionNotAllowed(_("A visit can be rejected only while the ticket is on site."))
    return refusal


def _reopenable(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status != Status.RESOLVED:
        return TransitionNotAllowed(_("Only a resolved request can be reopened."))
    if facts.has_feedback:
        return StateConflict(_("You have rated this service, which closed the request."))
    window = datetime.timedelta(days=settings.TICKET_REOPEN_DAYS)
    if ticket.resolved_at is None or timezone.now() > ticket.resolved_at + window:
        return TransitionNotAllowed(
            _("A request can be reopened within %(days)d days of the repair; file a new one.")
            % {"days": settings.TICKET_REOPEN_DAYS}
        )
    return None


def _quotable(ticket: Ticket, party: Party, facts: Facts):
    if ticket.warranty_covered:
        return TransitionNotAllowed(_("This repair is covered by warranty and free of charge."))
    if _before_pause(ticket) not in QUOTABLE:
        return TransitionNotAllowed(
            _("A ticket that is “%(status)s” cannot be quoted.") % {"status": Status(ticket.status).label}
        )
    if facts.pending_quote:
        return StateConflict(_("A quote is already waiting for the merchant's answer."))
    return None


def _quote_pending(ticket: Ticket, party: Party, facts: Facts):
    return StateConflict(_("This quote was already answered.")) if facts.pending_quote is False else None


def _resolvable(ticket: Ticket, party: Party, facts: Facts):
    refusal = transition_refusal(ticket, Status.RESOLVED)
    if refusal is None and not party.staff and ticket.status != Status.ON_SITE:
        # Only staff fix remotely; a technician resolves a job they checked in to.
        return TransitionNotAllowed(_("Check in on site before you resolve the job."))
    # A technician completes only a job they accepted; staff may record it on their behalf.
    return refusal or (None if party.staff else _accepted(ticket))


def _running(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status == Status.WAITING_MERCHANT:
        return TransitionNotAllowed(_("This ticket is already waiting for the merchant."))
    return transition_refusal(ticket, Status.WAITING_MERCHANT)


def _paused(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status != Status.WAITING_MERCHANT:
        return TransitionNotAllowed(_("This ticket is not waiting for the merchant."))
    return None


def _rateable(ticket: Ticket, party: Party, facts: Facts):
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        return TransitionNotAllowed(_("You can rate the service once the ticket is resolved."))
    if facts.has_feedback:
        return StateConflict(_("You have already rated this service. Thank you!"), code="already_rated")
    return None


# Statuses a loaner can be lent in: taken on, the repair not done yet.
LENDABLE = frozenset({Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SITE})


def _lendable(ticket: Ticket, party: Party, facts: Facts):
    if ticket.device_id is None:
        return TransitionNotAllowed(_("This ticket names no terminal to cover with a loaner."))
    if ticket.status not in LENDABLE:
        return TransitionNotAllowed(
            _("A loaner cannot be lent on a ticket that is “%(status)s”.") % {"status": Status(ticket.status).label}
        )
    if facts.loan_out:
        return StateConflict(_("A loaner is already out on this ticket."), code="loan_out")
    return None


def _loan_out(ticket: Ticket, party: Party, facts: Facts):
    if facts.loan_out is False:
        return StateConflict(_("No loaner is out on this ticket."), code="no_loan")
    return None


RULES: dict[Action, tuple[Who, When]] = {
    Action.REPLY: (lambda p: p.staff_side or p.merchant_side, _open_for_talk),
    Action.NOTE: (lambda p: p.staff_side, _open_for_talk),
    Action.UPDATE: (lambda p: p.staff or p.merchant_side, _still_open),
    Action.CANCEL: (lambda p: p.staff or p.merchant_side, _cancellable),
    Action.ACKNOWLEDGE: (
        lambda p: p.staff,
        lambda ticket, party, facts: transition_refusal(ticket, Status.ACKNOWLEDGED, only_from={Status.NEW}),
    ),
    Action.ASSIGN: (lambda p: p.staff, _assignable),
    Action.ACCEPT: (lambda p: p.technician, _not_yet_accepted),
    Action.DECLINE: (lambda p: p.technician, _declinable),
    Action.ON_MY_WAY: (lambda p: p.technician, _can_set_off),
    # The technician's own check-in, with the merchant's code: a verified visit.
    Action.CHECK_IN: (lambda p: p.technician, _can_check_in),
    # Staff on the technician's behalf, with a reason: unverified until a manager approves it.
    Action.RECORD_VISIT: (lambda p: p.staff, _visit_recordable),
    Action.APPROVE_VISIT: (lambda p: p.manager, _visit_pending),
    Action.REJECT_VISIT: (lambda p: p.manager, _visit_rejectable),
    Action.QUOTE: (lambda p: p.staff_side, _quotable),
    Action.DECIDE_QUOTE: (lambda p: p.merchant_side, _quote_pending),
    Action.RESOLVE: (lambda p: p.staff_side, _resolvable),
    Action.PAUSE: (lambda p: p.staff_side, _running),
    Action.RESUME: (lambda p: p.system or p.staff_side, _paused),
    # The merchant closes by rating (or the ticket closes itself); a partner may close for them.
    Action.CLOSE: (lambda p: p.system or p.staff or p.partner, _moves_to(Status.CLOSED)),
    Action.RATE: (lambda p: p.merchant and p.is_user, _rateable),
    # "Not fixed": instead of rating, the merchant sends the job back for another visit.
    Action.REOPEN: (lambda p: p.merchant and p.is_user, _reopenable),
    # A loaner (备机) while the merchant's own terminal is at the depot: staff or the technician on
    # the job lend it; the dispatchers take it back when the merchant's terminal returns.
    Action.LEND: (lambda p: p.staff_side, _lendable),
    Action.RETURN_LOAN: (lambda p: p.staff, _loan_out),
}
# Messages for the "who" half where the generic "You are not allowed to do this." says too little.
_WHO_REFUSALS = {
    Action.NOTE: lambda: _("Only staff can write internal notes."),
    Action.RATE: lambda: _("Only the merchant can rate the service."),
    Action.CHECK_IN: lambda: _("Only the technician on the job checks in; staff record a visit with a reason."),
    Action.APPROVE_VISIT: lambda: _("Only a manager approves a visit recorded by staff."),
    Action.REJECT_VISIT: lambda: _("Only a manager rejects a visit recorded by staff."),
    Action.REOPEN: lambda: _("Only the merchant can say the repair did not fix it."),
}


def refusal(action: Action, by, ticket: Ticket, facts: Facts = Facts()) -> DomainError | None:
    """Why `by` may not take `action` on `ticket` now, or None when they may."""
    who, when = RULES[action]
    party = party_of(by, ticket)
    if not who(party):
        message = _WHO_REFUSALS.get(action)
        return ActionNotAllowed(message() if message else None)
    return when(ticket, party, facts)


def require(action: Action, by, ticket: Ticket, facts: Facts = Facts()) -> None:
    """The services' guard: raise the refusal, if there is one."""
    problem = refusal(action, by, ticket, facts)
    if problem is not None:
        raise problem


def allowed_actions(by, ticket: Ticket, facts: Facts) -> dict[str, bool]:
    """Every action with whether `by` may take it now: what the ticket page offers."""
    allowed = {action.value: refusal(action, by, ticket, facts) is None for action in Action}
    allowed["staff_side"] = party_of(by, ticket).staff_side
    return allowed

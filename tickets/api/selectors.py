"""Reads the API needs beyond `tickets.selectors`, built on it (and so on `visible_to`)."""

import datetime

from django.db.models import F, Q
from django.utils import timezone

from tickets.models import OPEN_STATUSES, Ticket, TicketComment
from tickets.selectors import sees_internal, ticket_list

# Each milestone's deadline and the time it was met.
MILESTONES = (("respond_by", "responded_at"), ("onsite_by", "onsite_at"), ("resolve_by", "resolved_at"))


def breached_q(now: datetime.datetime) -> Q:
    """A ticket is breached when a milestone was met late, or an open ticket's deadline has passed unmet."""
    condition = Q()
    for deadline, met in MILESTONES:
        condition |= Q(**{f"{met}__gt": F(deadline)})
        condition |= Q(**{f"{deadline}__lt": now, f"{met}__isnull": True, "status__in": OPEN_STATUSES})
    return condition


def ticket_is_breached(ticket: Ticket, now: datetime.datetime) -> bool:
    for deadline_field, met_field in MILESTONES:
        deadline, met = getattr(ticket, deadline_field), getattr(ticket, met_field)
        if deadline is None:
            continue
        if met is not None and met > deadline:
            return True
        if met is None and ticket.status in OPEN_STATUSES and deadline < now:
            return True
    return False


def ticket_list_filtered(
    *,
    actor,
    status: str = "",
    merchant: int | None = None,
    device: str = "",
    kind: str = "",
    breached: bool | None = None,
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
):
    """The API's ticket list: the actor's tickets with what a row shows loaded in the same query."""
    tickets = ticket_list(actor=actor, status=status).select_related("warranty__policy")
    if merchant is not None:
        tickets = tickets.filter(merchant_id=merchant)
    if device:
        tickets = tickets.filter(device__serial_number=device)
    if kind:
        tickets = tickets.filter(kind=kind)
    if breached is not None:
        condition = breached_q(timezone.now())
        tickets = tickets.filter(condition) if breached else tickets.exclude(condition)
    if created_after is not None:
        tickets = tickets.filter(created_at__gte=created_after)
    if created_before is not None:
        tickets = tickets.filter(created_at__lt=created_before)
    return tickets


def ticket_comments(*, actor, ticket: Ticket):
    """The ticket's conversation; internal notes only for staff and the technicians on the job."""
    comments = TicketComment.objects.filter(ticket=ticket)
    if not sees_internal(actor=actor, ticket=ticket):
        comments = comments.filter(internal=False)
    return comments

"""Reads the API needs beyond `tickets.selectors`, built on it (and so on `visible_to`)."""

import datetime

from django.utils import timezone

from sla.selectors import breached_q
from tickets.models import Ticket, TicketComment
from tickets.selectors import sees_internal, ticket_list


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

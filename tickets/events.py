"""The ticket's timeline: every change to a ticket is written here as a `TicketEvent`.

Transitions (`tickets.services`) and the SLA scanner (`sla.services`, for escalations) both record
through `ticket_event_record`; it runs in the caller's transaction and announces the new row with
`ticket_event_recorded`, which the webhook outbox listens to, so a partner hears of exactly the
events that committed.

`by`, the one who acted, is a user, a `PartnerPrincipal` for a partner's API key, or None for the
system.
"""

import datetime

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from tickets.models import Ticket, TicketComment, TicketEvent

# Sent inside the transaction right after a timeline event is written, so receivers (the webhook
# outbox) write their rows atomically with it. Receivers must not do I/O.
ticket_event_recorded = Signal()
# The same for many events written at once (`ticket_events_record`, the SLA scanner's batches):
# `entries` is a list of (event, ticket), so a receiver writes its rows for all of them at once.
ticket_events_recorded = Signal()


def actor_user(by) -> User | None:
    """The user to store as the actor: None for the system and for a partner's API key."""
    return by if isinstance(by, User) else None


def actor_name(by) -> str:
    """The actor's name as the timeline shows it, kept even if the user is deleted later."""
    if by is None:
        return str(gettext_lazy("System"))
    if isinstance(by, User):
        return by.get_full_name() or by.username
    return str(by)


def ticket_event_record(
    *,
    ticket: Ticket,
    kind: str,
    by=None,
    now: datetime.datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    public: bool = True,
    comment: TicketComment | None = None,
    data: dict | None = None,
) -> TicketEvent:
    """Write one timeline entry in the caller's transaction and announce it to the receivers."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor_user(by),
        actor_name=actor_name(by),
        public=public,
        comment=comment,
        message=message,
        data=data or {},
        created_at=now or timezone.now(),
    )
    ticket_event_recorded.send(sender=TicketEvent, event=event, ticket=ticket)
    return event


def ticket_events_record(entries: list[dict], *, now: datetime.datetime | None = None) -> list[TicketEvent]:
    """Write many timeline entries in one INSERT, in the caller's transaction, and announce them in
    one `ticket_events_recorded` signal. Each entry holds `ticket_event_record`'s keyword arguments
    (`ticket`, `kind`, and any of the others)."""
    now = now or timezone.now()
    tickets = [entry["ticket"] for entry in entries]
    events = TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=entry["ticket"],
            kind=entry["kind"],
            from_status=entry.get("from_status", ""),
            to_status=entry.get("to_status", ""),
            actor=actor_user(entry.get("by")),
            actor_name=actor_name(entry.get("by")),
            public=entry.get("public", True),
            comment=entry.get("comment"),
            message=entry.get("message", ""),
            data=entry.get("data") or {},
            created_at=entry.get("now") or now,
        )
        for entry in entries
    )
    if events:
        ticket_events_recorded.send(sender=TicketEvent, entries=list(zip(events, tickets, strict=True)))
    return events

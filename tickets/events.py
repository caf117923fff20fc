"""The ticket's timeline: every change to a ticket is written here as a `TicketEvent`.

Transitions (`tickets.services`) and the SLA scanner (`sla.services`, for escalations) both record
through `ticket_event_record`; it runs in the caller's transaction and announces the new row with
`ticket_event_recorded`, which the webhook outbox listens to, so a partner hears of exactly the
events that committed.

`by`, the one who acted, is a user, a `PartnerPrincipal` for a partner's API key, or None for the
system.
"""

import datetime

from django.db import DEFAULT_DB_ALIAS
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from possystem.bulk import rows_insert
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
    entry = {
        "ticket": ticket,
        "kind": kind,
        "by": by,
        "from_status": from_status,
        "to_status": to_status,
        "message": message,
        "public": public,
        "comment": comment,
        "data": data,
    }
    (event,) = _events_write([entry], now=now or timezone.now())
    ticket_event_recorded.send(sender=TicketEvent, event=event, ticket=ticket)
    return event


def ticket_events_record(entries: list[dict], *, now: datetime.datetime | None = None) -> list[TicketEvent]:
    """Write many timeline entries in one INSERT, in the caller's transaction, and announce them in
    one `ticket_events_recorded` signal. Each entry holds `ticket_event_record`'s keyword arguments
    (`ticket`, `kind`, and any of the others)."""
    if not entries:
        return []
    events = _events_write(entries, now=now or timezone.now())
    ticket_events_recorded.send(
        sender=TicketEvent, entries=list(zip(events, [entry["ticket"] for entry in entries], strict=True))
    )
    return events


def _events_write(entries: list[dict], *, now: datetime.datetime) -> list[TicketEvent]:
    """One INSERT of the entries' rows, as columns (`possystem.bulk.rows_insert`), and the events built
    from the values written, as a query would load them: the scanner writes hundreds a batch, and
    preparing each through the field API cost more than the INSERT; a transition writes one, which
    this way costs no SQL compilation either."""
    tickets = [entry["ticket"] for entry in entries]
    actors = [entry.get("by") for entry in entries]
    comments = [entry.get("comment") for entry in entries]
    columns = {
        "ticket_id": [ticket.pk for ticket in tickets],
        "kind": [entry["kind"] for entry in entries],
        "from_status": [entry.get("from_status", "") for entry in entries],
        "to_status": [entry.get("to_status", "") for entry in entries],
        "actor_id": [user.pk if (user := actor_user(by)) is not None else None for by in actors],
        "actor_name": _actor_names(actors),
        "public": [entry.get("public", True) for entry in entries],
        "comment_id": [comment.pk if comment is not None else None for comment in comments],
        "message": [entry.get("message", "") for entry in entries],
        "data": [entry.get("data") or {} for entry in entries],
        "created_at": [entry.get("now") or now for entry in entries],
    }
    ids = rows_insert(TicketEvent, columns)
    # Every field, in the model's order: `from_db` passes them on by position.
    names = [field.attname for field in TicketEvent._meta.concrete_fields]
    ordered = [ids if name == "id" else columns[name] for name in names]
    events = []
    for index, ticket in enumerate(tickets):
        event = TicketEvent.from_db(DEFAULT_DB_ALIAS, names, [column[index] for column in ordered])
        TicketEvent.ticket.field.set_cached_value(event, ticket)
        if comments[index] is not None:
            TicketEvent.comment.field.set_cached_value(event, comments[index])
        if (user := actor_user(actors[index])) is not None:
            TicketEvent.actor.field.set_cached_value(event, user)
        events.append(event)
    return events


def _actor_names(actors: list) -> list[str]:
    """`actor_name` of each; the system's name (translated) looked up once."""
    system = actor_name(None) if None in actors else ""
    return [system if by is None else actor_name(by) for by in actors]

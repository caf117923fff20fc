from webhooks.services import outbox_write as write
from webhooks.services import outbox_write_many as write_many


def outbox_write(sender, *, event, ticket, **kwargs):
    """`tickets.events.ticket_event_recorded` receiver: the webhook outbox, in the event's transaction."""
    write(event=event, ticket=ticket)


def outbox_write_many(sender, *, entries, **kwargs):
    """`tickets.events.ticket_events_recorded` receiver: the outbox rows of many events at once."""
    write_many(entries)

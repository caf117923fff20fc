from webhooks.services import outbox_write as write


def outbox_write(sender, *, event, ticket, **kwargs):
    """`tickets.events.ticket_event_recorded` receiver: the webhook outbox, in the event's transaction."""
    write(event=event, ticket=ticket)

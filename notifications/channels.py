"""The ways a message reaches a user, behind one interface.

A channel turns one `Delivery` row into a message: `send(delivery)` returns when the message is
handed over and raises when it is not. `notifications.services.delivery_send` claims the row, calls
the channel and records the outcome; channels know nothing about retries or the outbox.

- in-app: a `Notification` row (the bell in the page header). It only writes to the database, so
  it runs in the same transaction that marks the delivery sent: exactly once.
- email: Django's mail backend (`EMAIL_BACKEND`: SMTP in production, the console in development).
- SMS: a logged stub with the same contract until a gateway is chosen; replace `SmsChannel.send`.
- partner webhook: not a channel here. Whoever reports an event records it on the ticket's
  timeline (`tickets.events.ticket_event_record`) inside their transaction; the webhook outbox
  listens to `ticket_event_recorded` and delivers it to the partner's subscriptions (an escalation
  becomes `ticket.escalated`).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The message can never go out this way (no address, say): give up without retrying."""


class Channel:
    name: str = ""
    # True when `send` only writes to the database, so it can share the transaction that marks the
    # delivery sent.
    transactional = False

    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


class InAppChannel(Channel):
    name = Delivery.Channel.IN_APP
    transactional = True

    def send(self, delivery: Delivery) -> None:
        Notification.objects.create(
            recipient_id=delivery.recipient_id,
            subject=delivery.subject,
            body=delivery.body,
            link=delivery.link,
            ticket_id=delivery.ticket_id,
        )


class EmailChannel(Channel):
    name = Delivery.Channel.EMAIL

    def send(self, delivery: Delivery) -> None:
        address = delivery.recipient.email
        if not address:
            raise Undeliverable("the recipient has no e-mail address")
        body = delivery.body
        if delivery.link:
            body = f"{body}\n\n{settings.SITE_URL}{delivery.link}"
        EmailMessage(
            subject=delivery.subject,
            body=body,
            to=[address],
            headers={"X-Delivery-Id": str(delivery.pk)},
        ).send()
        logger.info("E-mail to %s (delivery %s): %s", address, delivery.pk, delivery.subject)


class SmsChannel(Channel):
    """Logs the text it would send; no gateway is contracted yet."""

    name = Delivery.Channel.SMS

    def send(self, delivery: Delivery) -> None:
        phone = delivery.recipient.phone
        if not phone:
            raise Undeliverable("the recipient has no mobile number")
        logger.info("SMS to %s (delivery %s): %s", phone, delivery.pk, delivery.subject)


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in (InAppChannel(), EmailChannel(), SmsChannel())}


def channel_for(name: str) -> Channel:
    return CHANNELS[name]

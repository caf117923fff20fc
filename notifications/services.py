"""Telling people: in-app notifications with an e-mail copy, and the outbox of deliveries through
the channels in `notifications.channels`."""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation

from notifications.channels import Undeliverable, channel_for
from notifications.models import Delivery, Notification
from possystem.backoff import backoff
from possystem.bulk import rows_insert
from possystem.queue import enqueue

logger = logging.getLogger(__name__)


def notify_users(
    *,
    recipients: Iterable,
    compose: Callable[[], tuple[str, str]],
    link: str = "",
    ticket=None,
    email: bool = True,
) -> list[Notification]:
    """Write one in-app notification per recipient, in the caller's transaction, and an outbox row
    for its e-mail copy (sent after commit; see the outbox below).

    `compose` returns (subject, body); it is called once per recipient with the recipient's language
    active, so every user reads the message in their own language.
    """
    notifications = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = compose()
        notifications.append(
            Notification(recipient=user, subject=str(subject)[:200], body=str(body), link=link, ticket=ticket)
        )
    created = Notification.objects.bulk_create(notifications)
    if email:
        deliveries_queue(
            messages=[
                Message(
                    recipient=n.recipient,
                    channel=Delivery.Channel.EMAIL,
                    subject=n.subject,
                    body=n.body,
                    source=f"notification:{n.pk}",
                    link=link,
                    ticket=ticket,
                )
                for n in created
                if n.recipient.email
            ]
        )
    return created


def notify_users_where(
    *,
    users: QuerySet,
    compose: Callable[[], tuple[str, str]],
    link: str = "",
    ticket=None,
    email: bool = True,
) -> None:
    """`notify_users` for the active users a query finds, without reading them first.

    On PostgreSQL one statement reads them, writes their notifications and the outbox rows of the
    e-mail copies: every filing and every change a merchant hears of pays one round trip for its
    notice, not two or three. `compose` runs once per language the site speaks (the readers'
    languages are not known before the statement), and each reader gets the text in theirs, as
    `notify_users` gives it. Elsewhere it is `notify_users` over the query.
    """
    users = users.filter(is_active=True)
    if connection.vendor != "postgresql":
        notify_users(recipients=users, compose=compose, link=link, ticket=ticket, email=email)
        return
    site = settings.LANGUAGE_CODE
    codes = [code for code, _name in settings.LANGUAGES]
    texts = []
    for code in codes:
        with translation.override(code):
            subject, body = compose()
        texts += [code, str(subject)[:200], str(body)]
    try:
        readers_sql, readers_params = users.order_by().values("id", "language", "email").query.sql_with_params()
    except EmptyResultSet:
        return  # a query that can find nobody (`.none()`)
    now = timezone.now()
    ticket_id = ticket.pk if ticket is not None else None
    values = ", ".join(["(%s, %s, %s)"] * len(codes))
    # A language the site does not speak (none can be chosen) reads the site's, as a blank one does.
    sql = f"""
        WITH readers AS ({readers_sql}),
        texts (language, subject, body) AS (VALUES {values}),
        notes AS (
            INSERT INTO {Notification._meta.db_table} (recipient_id, subject, body, link, ticket_id, created_at)
            SELECT readers.id, texts.subject, texts.body, %s, %s, %s
            FROM readers JOIN texts ON texts.language =
                CASE WHEN readers.language = ANY(%s) THEN readers.language ELSE %s END
            ORDER BY readers.id
            RETURNING id, recipient_id, subject, body
        )
        INSERT INTO {Delivery._meta.db_table}
            (channel, recipient_id, subject, body, secret, link, ticket_id, source, created_at, available_at,
             attempts, last_error)
        SELECT %s, notes.recipient_id, notes.subject, notes.body, false, %s, %s, 'notification:' || notes.id, %s,
            %s, 0, ''
        FROM notes JOIN readers ON readers.id = notes.recipient_id
        WHERE %s AND readers.email <> ''
        ORDER BY notes.id
        RETURNING id
    """
    params = [
        *readers_params,
        *texts,
        link, ticket_id, now, codes, site,
        Delivery.Channel.EMAIL, link, ticket_id, now, now, email,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    if ids:
        transaction.on_commit(partial(deliveries_enqueue, ids), robust=True)


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


# --- the outbox ----------------------------------------------------------------------------------
#
# Lock and idempotency policy: a Delivery row is the promise to send. Rows are written in the
# caller's transaction and their ids are enqueued after it commits. Sending claims the row first:
# in-app rows under a row lock in the transaction that writes the Notification (exactly once);
# other channels by a conditional UPDATE that takes a lease (rowcount 1 = yours), then the send,
# then `sent_at`. A worker that dies after sending but before recording it sends again when the
# lease runs out: e-mail and SMS are at least once, never lost.

MAX_ATTEMPTS = 8
TASK_CHUNK = 50


@dataclass(frozen=True)
class Message:
    """One message for one user through one channel; `source` names what it reports."""

    recipient: object
    channel: str
    subject: str
    body: str
    source: str
    link: str = ""
    ticket: object = None
    secret: bool = False  # the body holds a secret: never shown in the admin, emptied once sent


def deliveries_queue(*, messages: Iterable[Message], now: datetime.datetime | None = None) -> list[int]:
    """Write outbox rows in the caller's transaction; their delivery is enqueued after commit.
    Returns the rows' ids. One INSERT however many (the scanner writes thousands a batch)."""
    now = now or timezone.now()
    messages = list(messages)
    ids = rows_insert(
        Delivery,
        {
            "channel": [message.channel for message in messages],
            "recipient_id": [message.recipient.pk for message in messages],
            "subject": [str(message.subject)[:200] for message in messages],
            "body": [str(message.body) for message in messages],
            "secret": [message.secret for message in messages],
            "link": [message.link for message in messages],
            "ticket_id": [message.ticket.pk if message.ticket is not None else None for message in messages],
            "source": [message.source for message in messages],
            "created_at": [now] * len(messages),
            "available_at": [now] * len(messages),
        },
    )
    if ids:
        transaction.on_commit(partial(deliveries_enqueue, ids), robust=True)
    return ids


def email_queue_once(
    *, recipient, subject: str, body: str, source: str, secret: bool = False, now: datetime.datetime | None = None
) -> bool:
    """Queue one e-mail to `recipient` for `source` unless one was queued for it already; returns
    True when this call queued it. `Delivery` is unique per source, channel and recipient: a
    concurrent run that wins the race makes this one's insert fail, which is caught in a savepoint
    (the caller's transaction, if any, carries on) and answered False."""
    if Delivery.objects.filter(source=source, channel=Delivery.Channel.EMAIL, recipient=recipient).exists():
        return False
    message = Message(
        recipient=recipient, channel=Delivery.Channel.EMAIL, subject=subject, body=body, source=source, secret=secret
    )
    try:
        with transaction.atomic():
            deliveries_queue(messages=[message], now=now)
    except IntegrityError:
        return False  # another run queued it a moment ago
    return True


def deliveries_enqueue(ids: list[int]) -> None:
    """Hand deliveries to the workers (the on-commit hook of `deliveries_queue`). A broker outage
    is logged, not raised; the rows it did not take are made due for the next sweep at once, so
    they go out within one `NOTIFICATION_REQUEUE_AFTER_SECONDS` of the broker's return rather than
    two."""
    from notifications.tasks import deliver

    unsent = enqueue(deliver, [(ids[start : start + TASK_CHUNK],) for start in range(0, len(ids), TASK_CHUNK)])
    if unsent:
        deliveries_owed_now(ids=[pk for (chunk,) in unsent for pk in chunk])


def deliveries_owed_now(*, ids: list[int], now: datetime.datetime | None = None) -> None:
    """Make unsent deliveries look overdue to `deliveries_requeue`, which then takes them on its next
    pass. Runs after the commit; it must not raise either."""
    now = now or timezone.now()
    overdue = now - datetime.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    try:
        Delivery.objects.filter(pk__in=ids, sent_at__isnull=True, failed_at__isnull=True).update(available_at=overdue)
    except DatabaseError:
        logger.warning("Could not mark deliveries %s as owed; the sweeper finds them later", ids, exc_info=True)


def delivery_send(*, delivery_id: int) -> bool:
    """Send one delivery unless it was sent, given up on, or claimed by someone else.

    Returns True when this call sent it. Runs its own short transactions; call it outside one.
    """
    delivery = (
        Delivery.objects.select_related("recipient")
        .filter(pk=delivery_id, sent_at__isnull=True, failed_at__isnull=True)
        .first()
    )
    if delivery is None:
        return False
    channel = channel_for(delivery.channel)
    if channel.transactional:
        return _send_in_transaction(delivery, channel)
    return _send_with_lease(delivery, channel)


def _send_in_transaction(delivery: Delivery, channel) -> bool:
    with transaction.atomic():
        locked = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery.pk, sent_at__isnull=True, failed_at__isnull=True)
            .exists()
        )
        if not locked:
            return False  # sent meanwhile, or another worker is sending it right now
        channel.send(delivery)
        Delivery.objects.filter(pk=delivery.pk).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, **_forget_secret(delivery)
        )
    return True


def _forget_secret(delivery: Delivery) -> dict:
    """A sent secret is not kept: nobody reading the outbox later can use the link."""
    return {"body": ""} if delivery.secret else {}


def _send_with_lease(delivery: Delivery, channel) -> bool:
    now = timezone.now()
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    claimed = Delivery.objects.filter(
        pk=delivery.pk, sent_at__isnull=True, failed_at__isnull=True, available_at__lte=now
    ).update(available_at=now + lease, attempts=F("attempts") + 1)
    if claimed != 1:
        return False  # another worker holds the lease, or a back-off is running
    attempts = delivery.attempts + 1
    try:
        channel.send(delivery)
    except Undeliverable as error:
        Delivery.objects.filter(pk=delivery.pk).update(failed_at=timezone.now(), last_error=str(error))
        logger.warning("Delivery %s cannot be sent: %s", delivery.pk, error)
        return False
    except Exception as error:
        failed = attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            available_at=timezone.now() + backoff(attempts, base=30, cap=3600),
            failed_at=timezone.now() if failed else None,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning(
            "Delivery %s failed (attempt %s)%s", delivery.pk, attempts, "; giving up" if failed else "", exc_info=True
        )
        return False
    Delivery.objects.filter(pk=delivery.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), last_error="", **_forget_secret(delivery)
    )
    return True


def deliveries_requeue(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Enqueue again the deliveries still owed: never enqueued (broker down at commit), lost by
    the broker, claimed by a worker that died, or due for a retry. Returns how many.

    A row is owed once it has been available for NOTIFICATION_REQUEUE_AFTER_SECONDS without being
    sent; requeueing makes it available from now, so a slow queue is not flooded with copies.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, failed_at__isnull=True, available_at__lte=cutoff)
            .order_by("available_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(available_at=now)
            transaction.on_commit(partial(deliveries_enqueue, ids), robust=True)
    if ids:
        logger.info("Requeued %d deliveries", len(ids))
    return len(ids)

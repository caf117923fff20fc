"""Telling people: in-app notifications, with an e-mail copy sent after the transaction commits."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import translation

from notifications.models import Notification


def notify_users(
    *,
    recipients: Iterable,
    compose: Callable[[], tuple[str, str]],
    link: str = "",
    ticket=None,
    email: bool = True,
) -> list[Notification]:
    """Write one in-app notification per recipient and queue its e-mail copy for after commit.

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
        from notifications.tasks import send_notification_email

        for notification in created:
            if notification.recipient.email:
                send_notification_email.delay_on_commit(notification.pk)
    return created


def notification_send_email(*, notification_id: int) -> bool:
    """Send the e-mail copy of a notification; False when there is nothing to send."""
    from django.core.mail import send_mail

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email:
        return False
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{settings.SITE_URL}{notification.link}"
    send_mail(notification.subject, body, None, [notification.recipient.email])
    return True


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())

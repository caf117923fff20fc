from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one user; the bell in the page header lists the unread ones."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The unread count in every page header.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """One message to one user through one channel: the outbox.

    A service writes the row in the same transaction as the event it reports (an escalation, say)
    and hands its id to a Celery task after commit. The row, not the task, is the promise: if the
    process dies between commit and enqueue, or Redis loses the message, `deliveries_requeue` finds
    the row again. `notifications.services.delivery_send` claims a row before sending, so a task
    delivered twice sends once.
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In the app")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # The body carries a secret (a password-reset link): the admin never shows it, and it is
    # emptied once the message is sent (`notifications.services`).
    secret = models.BooleanField(_("secret"), default=False)
    link = models.CharField(_("link"), max_length=255, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What the message reports, e.g. "escalation:42"; with channel and recipient it is unique, so
    # writing the same report twice is refused by the database.
    source = models.CharField(_("source"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    # Not to be tried before this moment: the lease of whoever claimed it, or a retry's back-off.
    available_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("gave up at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["source", "channel", "recipient"], name="delivery_once_per_source"),
        ]
        indexes = [
            # Deliveries still owed (notifications.services.deliveries_requeue): only unsent rows.
            models.Index(
                fields=["available_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="delivery_pending",
            ),
        ]

    def __str__(self):
        return f"{self.channel} → {self.recipient_id}: {self.subject}"

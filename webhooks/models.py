from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Partner
from accounts.scoping import ScopePaths


class Event(models.TextChoices):
    CREATED = "ticket.created", _("Ticket filed")
    STATUS_CHANGED = "ticket.status_changed", _("Ticket status changed")
    ESCALATED = "ticket.escalated", _("Ticket escalated")
    RESOLVED = "ticket.resolved", _("Ticket resolved")
    ACCEPTED = "ticket.accepted", _("Technician accepted the job")
    ON_THE_WAY = "ticket.on_the_way", _("Technician on the way")
    VISIT_VERIFIED = "ticket.visit_verified", _("Visit verified")
    REOPENED = "ticket.reopened", _("Ticket reopened: not fixed")


class WebhookSubscription(models.Model):
    """A partner's URL that receives the events it chose, signed with the subscription's secret."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Kept in clear: every delivery is signed with it (HMAC-SHA256). Shown to the partner once.
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopePaths(partner="partner")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [
            # webhooks.receivers.outbox_write: a partner's active subscriptions, on every ticket event.
            models.Index(fields=["partner"], condition=Q(active=True), name="webhook_sub_active_by_partner"),
        ]

    def __str__(self):
        return f"{self.partner} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: the outbox row, written in the event's own transaction."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event"), max_length=32, choices=Event.choices)
    ticket_number = models.CharField(_("ticket"), max_length=32, blank=True)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # A worker sending this delivery holds it until then; a crashed worker's claim runs out.
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    scope = ScopePaths(partner="subscription__partner")

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # One delivery of an event per subscription, however often the event is seen.
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [
            # webhooks.services.webhook_deliveries_due: pending deliveries by when they are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            # The deliveries list of one subscription, newest first.
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_by_sub"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery: what came back, or why nothing did."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempts"
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["attempted_at", "pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.delivery_id} · {self.status_code or self.error}"

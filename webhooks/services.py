"""Webhooks: subscribing, the outbox of deliveries, and sending them with back-off.

Delivery is at least once. The outbox row is written in the ticket event's transaction
(`webhooks.receivers`); a task sends it after commit; a failed try is retried with exponential
back-off (`WEBHOOK_RETRY_BASE_SECONDS` doubling up to `WEBHOOK_RETRY_MAX_SECONDS`) until
`WEBHOOK_RETRY_FOR` after the event, the last try falling exactly at that limit. Retries are not
ETA tasks: `webhook_deliveries_due` (run by the beat) finds the due rows. A sender claims a row with
a conditional UPDATE and a lease (`locked_until`), so two workers never send the same try and a
crashed worker's claim runs out. Receivers deduplicate on `X-Event-Id`.
"""

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import Action, audit_record
from accounts.scoping import is_staff_actor
from possystem.backoff import backoff
from possystem.bulk import rows_insert
from possystem.errors import ActionNotAllowed, InvalidInput
from possystem.queue import enqueue_on_commit
from possystem.snapshot import Snapshot
from tickets.models import Status, TicketEvent
from webhooks import targets
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

EVENT_NAMESPACE = uuid.UUID("5b8e0f7e-2f6a-4d43-9d7b-6a1b8f0c9e21")
LEASE = datetime.timedelta(seconds=60)
USER_AGENT = "POS-After-Sales-Webhooks/1"


# --- subscriptions -------------------------------------------------------------------------------


def webhook_subscribe(*, by, url: str, events: list[str], description: str = "", request=None) -> WebhookSubscription:
    """A partner subscribes `url` to `events`; the new subscription carries a fresh signing secret.
    The URL must pass the address policy of `webhooks.targets` (in production: https, public)."""
    if by is None or by.role != "partner" or not by.partner_id:
        raise ActionNotAllowed(_("Only partners subscribe to webhooks."))
    errors: dict[str, list[str]] = {}
    try:
        targets.resolve(url, require_resolution=False)
    except targets.TargetRefused as refused:
        errors["url"] = [str(refused.message)]
    unknown = sorted(set(events) - set(Event.values))
    if not events or unknown:
        errors["events"] = [_("Choose one or more of: %(events)s.") % {"events": ", ".join(Event.values)}]
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            partner_id=by.partner_id,
            url=url,
            events=sorted(set(events)),
            secret=secrets.token_hex(32),
            description=description.strip(),
        )
        audit_record(action=Action.WEBHOOK_SUBSCRIBED, request=request, actor=by, target=url)
    return subscription


def webhook_unsubscribe(*, by, subscription: WebhookSubscription, request=None) -> None:
    """Stop sending to a subscription; its deliveries stay listed. Pending ones are given up."""
    if not (is_staff_actor(by) or (by.role == "partner" and by.partner_id == subscription.partner_id)):
        raise ActionNotAllowed()
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
        subscriptions_changed()
        WebhookDelivery.objects.filter(subscription=subscription, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error="unsubscribed"
        )
        audit_record(
            action=Action.WEBHOOK_UNSUBSCRIBED,
            request=request,
            actor=by,
            partner=subscription.partner,
            target=subscription.url,
        )
    subscription.active = False


# --- the outbox ----------------------------------------------------------------------------------


def event_types_for(event) -> list[str]:
    """The webhook events a ticket timeline entry stands for."""
    if event.kind == TicketEvent.Kind.CREATED:
        return [Event.CREATED]
    if event.kind == TicketEvent.Kind.STATUS_CHANGED and event.public:
        return [Event.STATUS_CHANGED, *([Event.RESOLVED] if event.to_status == Status.RESOLVED else [])]
    if event.kind == TicketEvent.Kind.ESCALATED and event.public:
        # Partners hear of breaches, as the merchant's timeline shows them; "at risk" stays internal.
        return [Event.ESCALATED]
    if event.kind == TicketEvent.Kind.VISIT:
        # A technician's check-in with the code; a visit only staff recorded waits for its approval.
        return [Event.VISIT_VERIFIED] if event.data.get("verified") else []
    return [kind] if (kind := FIELD_EVENTS.get(event.kind)) else []


# Steps of the field work partners may follow, by the timeline entry that records them.
FIELD_EVENTS = {
    TicketEvent.Kind.ACCEPTED: Event.ACCEPTED,
    TicketEvent.Kind.ON_THE_WAY: Event.ON_THE_WAY,
    TicketEvent.Kind.VISIT_APPROVED: Event.VISIT_VERIFIED,
    TicketEvent.Kind.REOPENED: Event.REOPENED,
}


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def payload_for(*, event, event_type: str, event_id: uuid.UUID, ticket) -> dict:
    data = {
        "ticket": {
            "number": ticket.number,
            "status": ticket.status,
            "kind": ticket.kind,
            "priority": ticket.priority,
            "merchant": ticket.merchant_id,
            "device": ticket.device.serial_number if ticket.device_id else None,
            "warranty": {"covered": ticket.warranty_covered, "reason_code": ticket.warranty_reason},
            "sla": {name: _iso(getattr(ticket, name)) for name in ("respond_by", "onsite_by", "resolve_by")},
        },
    }
    if event.from_status or event.to_status:
        data["from_status"], data["to_status"] = event.from_status or None, event.to_status or None
    if event_type == Event.ESCALATED:
        data["escalation"] = {key: event.data.get(key) for key in ("milestone", "level") if key in event.data}
    if event_type == Event.VISIT_VERIFIED:
        # When the technician was on site (an approval comes later than the visit it approves).
        data["visit"] = {"at": event.data.get("at") or _iso(event.created_at), "approved": event.kind != "visit"}
    if event_type == Event.REOPENED:
        data["reason"] = event.message
    return {"id": str(event_id), "type": event_type, "created_at": _iso(event.created_at), "data": data}


def _active_subscriptions() -> dict[int, list[WebhookSubscription]]:
    by_partner: dict[int, list[WebhookSubscription]] = {}
    for subscription in WebhookSubscription.objects.filter(active=True).order_by("pk"):
        by_partner.setdefault(subscription.partner_id, []).append(subscription)
    return by_partner


# Every partner's active subscriptions, read once per process and again after one changes
# (`subscriptions_changed`: subscribing, unsubscribing, the admin), so a ticket event costs no
# query for a partner without webhooks and one INSERT for a partner with them.
_SUBSCRIPTIONS = Snapshot("webhook-subscriptions", _active_subscriptions)


def subscriptions_snapshot() -> Snapshot:
    """What writing the outbox reads (for `possystem.snapshot.versions_read_together`)."""
    return _SUBSCRIPTIONS


def subscriptions_changed(**kwargs) -> None:
    """Where subscriptions change, and the post_save / post_delete receiver (webhooks.apps)."""
    _SUBSCRIPTIONS.changed()


def outbox_write(*, event, ticket) -> list[int]:
    """Write a delivery per subscribed URL of the ticket's partner. Runs inside the event's
    transaction and does no network I/O; the sending task is queued for after the commit. Returns
    the deliveries' ids."""
    return outbox_write_many([(event, ticket)])


# Deliveries to one subscriber per task when an event batch (the scanner's) makes many: one task per
# delivery cost the scanner a broker round trip each after its commit. A subscriber's deliveries go
# out in order within a task; other subscribers' in other tasks, so a slow endpoint holds up only its own.
TASK_CHUNK = 20


def outbox_write_many(entries) -> list[int]:
    """`outbox_write` for many (event, ticket) pairs at once (the SLA scanner's batch): one INSERT
    for all their deliveries, or none when no partner of theirs subscribes."""
    subscriptions = None
    columns = {
        name: [] for name in ("subscription_id", "event_id", "event_type", "ticket_number", "payload", "created_at")
    }
    for event, ticket in entries:
        types = event_types_for(event)
        partner_id = ticket.merchant.partner_id if types else None
        if not partner_id:
            continue
        if subscriptions is None:
            subscriptions = _SUBSCRIPTIONS.get()
        for event_type in types:
            receivers = [sub for sub in subscriptions.get(partner_id, ()) if event_type in sub.events]
            if not receivers:
                continue
            event_id = uuid.uuid5(EVENT_NAMESPACE, f"{event.pk}:{event_type}")
            payload = payload_for(event=event, event_type=event_type, event_id=event_id, ticket=ticket)
            for subscription in receivers:
                for name, value in zip(
                    columns,
                    (subscription.pk, str(event_id), event_type, ticket.number, payload, event.created_at),
                    strict=True,
                ):
                    columns[name].append(value)
    if not columns["subscription_id"]:
        return []
    ids = rows_insert(WebhookDelivery, {**columns, "next_attempt_at": columns["created_at"]})
    from webhooks.tasks import deliver, deliver_many

    # After commit, and never raising: the rows are the promise. A broker that is down costs the
    # request nothing (it has committed and answers success); `deliver_due` sends them within
    # its 30 s period once the broker is back.
    if len(ids) == 1:
        enqueue_on_commit(deliver, [(ids[0],)])
    else:
        by_subscriber: dict[int, list[int]] = {}
        for pk, subscription_id in zip(ids, columns["subscription_id"], strict=True):
            by_subscriber.setdefault(subscription_id, []).append(pk)
        enqueue_on_commit(
            deliver_many,
            [
                (chunk[start : start + TASK_CHUNK],)
                for chunk in by_subscriber.values()
                for start in range(0, len(chunk), TASK_CHUNK)
            ],
        )
    return ids


# --- sending -------------------------------------------------------------------------------------


def body_of(payload: dict) -> bytes:
    """The exact bytes sent and signed."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_delivery_attempt(*, delivery_id: int) -> str | None:
    """Try to send one delivery if it is due and nobody else is sending it.

    Returns the delivery's status after the try, or None when there was nothing to do. The HTTP
    request runs outside any transaction.
    """
    now = timezone.now()
    lease = now + LEASE
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=lease)
    )
    if claimed != 1:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    body = body_of(delivery.payload)
    status_code, error, permanent = None, "", False
    started = time.monotonic()
    try:
        target = targets.resolve(subscription.url)
    except targets.TargetRefused as refused:
        # A name that stops resolving may come back; an address the policy refuses will not.
        target, error, permanent = None, refused.reason, refused.reason != targets.UNRESOLVABLE
    if target is not None:
        try:
            response = targets.post(
                target,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-Event-Id": str(delivery.event_id),
                    "X-Event-Type": delivery.event_type,
                    "X-Timestamp": str(int(now.timestamp())),
                    "X-Signature": signature(subscription.secret, body),
                },
                timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_TIMEOUT),
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except requests.RequestException as exc:
            # The partner sees a short reason; the details are ours.
            error = targets.failure_reason(exc)
            logger.info("Webhook delivery %s to %s failed: %r", delivery.pk, subscription.url, exc)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_attempt(delivery, lease, status_code=status_code, error=error, permanent=permanent, ms=duration_ms)


def _record_attempt(delivery, lease, *, status_code, error, permanent, ms) -> str:
    finished = timezone.now()
    give_up_at = delivery.created_at + settings.WEBHOOK_RETRY_FOR
    attempts = delivery.attempt_count + 1
    if not error:
        fields = {"status": WebhookDelivery.Status.DELIVERED, "delivered_at": finished, "next_attempt_at": None}
    elif permanent or finished >= give_up_at:
        fields = {"status": WebhookDelivery.Status.FAILED, "next_attempt_at": None}
    else:
        wait = backoff(
            attempts, base=settings.WEBHOOK_RETRY_BASE_SECONDS, cap=settings.WEBHOOK_RETRY_MAX_SECONDS, jitter=0.1
        )
        fields = {"next_attempt_at": min(finished + wait, give_up_at)}
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=finished, status_code=status_code, error=error, duration_ms=ms
        )
        WebhookDelivery.objects.filter(pk=delivery.pk, locked_until=lease).update(
            attempt_count=F("attempt_count") + 1,
            locked_until=None,
            last_status_code=status_code,
            last_error=error,
            **fields,
        )
    if error:
        logger.info("Webhook delivery %s try %d failed: %s", delivery.pk, attempts, error)
    return fields.get("status", WebhookDelivery.Status.PENDING)


def webhook_deliveries_due(*, limit: int = 1000) -> list[int]:
    """Pending deliveries whose next try is due and that nobody holds (index `webhook_delivery_due`)."""
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )

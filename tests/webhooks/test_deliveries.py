import datetime
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tests import factories
from tickets.services import ticket_acknowledge, ticket_resolve
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_deliveries_due, webhook_delivery_attempt

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's endpoint on 127.0.0.1: answers 200, 503 ("down") or too late ("slow")."""

    def __init__(self):
        self.mode = "ok"
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                if receiver.mode == "slow":
                    time.sleep(1.0)
                status = 503 if receiver.mode == "down" else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def delivered_event_ids(self) -> list[str]:
        return [headers["X-Event-Id"] for headers, _body in self.received]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_TIMEOUT = 0.3
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def subscription(partner_api, receiver):
    response = partner_api.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["ticket.created", "ticket.status_changed", "ticket.resolved"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    subscription = WebhookSubscription.objects.get(pk=response.json()["id"])
    assert response.json()["secret"] == subscription.secret
    return subscription


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What the README tells partners to do."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Signature"])


def send_due() -> list[str]:
    """What the beat's `webhooks.deliver_due` and the `webhooks.deliver` tasks do, in-process."""
    return [webhook_delivery_attempt(delivery_id=pk) for pk in webhook_deliveries_due()]


def test_only_partners_subscribe_and_the_secret_is_shown_once(partner_api, dispatcher_api, merchant_api, subscription):
    listed = partner_api.get("/api/v1/webhooks/").json()["results"]
    staff = dispatcher_api.post("/api/v1/webhooks/", {"url": "https://x.example", "events": ["ticket.created"]},
                                format="json")  # fmt: skip
    merchant = merchant_api.post("/api/v1/webhooks/", {"url": "https://x.example", "events": ["ticket.created"]},
                                 format="json")  # fmt: skip
    unknown = partner_api.post("/api/v1/webhooks/", {"url": "https://x.example", "events": ["ticket.eaten"]},
                               format="json")  # fmt: skip

    assert [row["id"] for row in listed] == [subscription.pk]
    assert "secret" not in listed[0]
    assert staff.status_code == merchant.status_code == 403
    assert unknown.status_code == 422 and "events.0" in unknown.json()["errors"]


def test_the_outbox_row_is_written_in_the_events_transaction(subscription, merchant, device):
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.file_ticket(merchant, device=device)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the filing is rolled back")

    assert not WebhookDelivery.objects.exists()
    ticket = factories.file_ticket(merchant, device=device)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.ticket_number, delivery.status) == (
        "ticket.created",
        ticket.number,
        "pending",
    )
    assert delivery.payload["data"]["ticket"]["number"] == ticket.number


def test_each_event_goes_to_the_subscriptions_that_chose_it(subscription, partner, merchant, device, dispatcher):
    only_created = WebhookSubscription.objects.create(
        partner=partner.partner, url=subscription.url, events=["ticket.created"], secret="x" * 64
    )
    ticket = factories.file_ticket(merchant, device=device)
    ticket_acknowledge(ticket=ticket, by=dispatcher)
    ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reset the printer")

    mine = list(
        WebhookDelivery.objects.filter(subscription=subscription).order_by("pk").values_list("event_type", flat=True)
    )
    assert mine == ["ticket.created", "ticket.status_changed", "ticket.status_changed", "ticket.resolved"]
    assert list(only_created.deliveries.values_list("event_type", flat=True)) == ["ticket.created"]


def test_other_partners_tickets_are_not_sent(subscription, other_merchant):
    factories.file_ticket(other_merchant)

    assert not WebhookDelivery.objects.exists()


def test_a_delivery_that_fails_then_times_out_is_retried_with_back_off_until_it_arrives(
    subscription, receiver, merchant, device, partner_api
):
    ticket = factories.file_ticket(merchant, device=device)
    delivery = WebhookDelivery.objects.get()
    start = timezone.now()

    receiver.mode = "down"
    assert send_due() == ["pending"]
    delivery.refresh_from_db()
    first_wait = delivery.next_attempt_at - start
    assert datetime.timedelta(seconds=29) < first_wait < datetime.timedelta(seconds=40)
    assert send_due() == []  # not due yet

    receiver.mode = "slow"
    with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
        assert send_due() == ["pending"]
    delivery.refresh_from_db()
    assert delivery.last_error == "timeout"
    assert delivery.next_attempt_at - start > first_wait * 2  # the wait doubled

    receiver.mode = "ok"
    with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
        assert send_due() == ["delivered"]

    headers, body = receiver.received[-1]
    assert verify(subscription.secret, headers, body)
    assert json.loads(body)["data"]["ticket"]["number"] == ticket.number
    assert headers["X-Event-Id"] == str(delivery.event_id) == json.loads(body)["id"]
    assert headers["X-Timestamp"].isdigit()
    listed = partner_api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()["results"]
    assert listed[0]["status"] == "delivered"
    assert [(a["status_code"], a["error"]) for a in listed[0]["attempts"]] == [
        (503, "HTTP 503"),
        (None, "timeout"),
        (200, ""),
    ]
    failed = partner_api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/", {"status": "failed"}).json()
    assert failed["results"] == []


def test_a_receiver_down_for_an_hour_loses_nothing(subscription, receiver, merchant, device, dispatcher):
    receiver.mode = "down"
    start = timezone.now()
    ticket = factories.file_ticket(merchant, device=device)
    ticket_acknowledge(ticket=ticket, by=dispatcher)
    expected = {str(d.event_id) for d in WebhookDelivery.objects.all()}
    assert len(expected) == 2

    minute = 0
    while minute <= 60:
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            send_due()
        minute += 5
    assert not set(receiver.delivered_event_ids()) - expected
    assert WebhookDelivery.objects.filter(status="pending").count() == 2

    receiver.mode = "ok"
    while WebhookDelivery.objects.filter(status="pending").exists() and minute < 3 * 60:
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            send_due()
        minute += 5

    delivered = {
        headers["X-Event-Id"] for headers, body in receiver.received[-2:] if verify(subscription.secret, headers, body)
    }
    assert delivered == expected
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def test_it_gives_up_after_a_day_and_the_partner_sees_it(subscription, receiver, merchant, device, partner_api):
    receiver.mode = "down"
    start = timezone.now()
    factories.file_ticket(merchant, device=device)

    hours = 0
    while hours <= 25:
        with time_machine.travel(start + datetime.timedelta(hours=hours), tick=False):
            send_due()
        hours += 1

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts.last().attempted_at >= start + datetime.timedelta(hours=24)
    failed = partner_api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/", {"status": "failed"}).json()
    assert [row["attempt_count"] for row in failed["results"]] == [delivery.attempt_count]


def test_two_senders_never_send_the_same_try(subscription, receiver, merchant, device):
    factories.file_ticket(merchant, device=device)
    delivery = WebhookDelivery.objects.get()

    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    second = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (first, second) == ("delivered", None)
    assert len(receiver.received) == 1


def test_production_refuses_addresses_inside_the_network(subscription, receiver, merchant, device, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    factories.file_ticket(merchant, device=device)

    assert send_due() == ["failed"]
    assert receiver.received == []
    assert WebhookDelivery.objects.get().last_error.startswith("refused")


def test_a_breach_reaches_the_partner_and_at_risk_stays_internal(partner, merchant, device):
    from sla.services import escalations_scan

    subscription = WebhookSubscription.objects.create(
        partner=partner.partner, url="https://hooks.example/pos", events=["ticket.escalated"], secret="s" * 64
    )
    ticket = factories.file_ticket(merchant, device=device)
    at_risk = ticket.respond_by - (ticket.respond_by - ticket.created_at) * 0.2
    escalations_scan(now=at_risk)
    assert not subscription.deliveries.exists()

    escalations_scan(now=ticket.respond_by + datetime.timedelta(minutes=1))
    delivery = subscription.deliveries.get()
    assert delivery.event_type == "ticket.escalated"
    assert delivery.payload["data"]["escalation"] == {"milestone": "respond", "level": "breached"}


def test_a_scanner_batch_prompts_each_subscriber_once_per_chunk_not_once_per_delivery(
    partner, merchant, device, monkeypatch, django_capture_on_commit_callbacks
):
    from sla.services import escalations_scan
    from webhooks import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda *args: sent.append(("deliver", args)))
    monkeypatch.setattr(tasks.deliver_many, "delay", lambda *args: sent.append(("deliver_many", args)))
    first, second = (
        WebhookSubscription.objects.create(
            partner=partner.partner, url=f"https://hooks.example/{name}", events=["ticket.escalated"], secret="s" * 64
        )
        for name in ("pos", "audit")
    )
    tickets = [factories.file_ticket(merchant, device=device) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        escalations_scan(now=max(t.respond_by for t in tickets) + datetime.timedelta(minutes=1))

    rows = {s.pk: sorted(s.deliveries.values_list("pk", flat=True)) for s in (first, second)}
    assert [len(ids) for ids in rows.values()] == [3, 3]
    assert sorted(sent) == sorted(("deliver_many", (ids,)) for ids in rows.values())
    delivery = first.deliveries.order_by("pk").first()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("pending", 0, delivery.created_at)
    assert delivery.payload["data"]["escalation"] == {"milestone": "respond", "level": "breached"}

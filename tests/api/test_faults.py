"""Faults degrade, never lie: with Redis (the cache, or the broker) killed, the API still answers,
and a request whose data committed answers success. Each fault is a Redis server of the test's
own, killed mid-test."""

import contextlib
import logging
import signal

import pytest
from django.conf import settings as django_settings

from notifications.models import Delivery
from notifications.services import deliveries_requeue
from tests.helpers import filing
from tests.sla.processes import Processes, free_port
from tickets.models import Ticket
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_deliveries_due


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.processes = Processes(tmp_path, redis_url=django_settings.REDIS_URL)

    def start(self):
        self.processes.redis(self.port)

    def kill(self):
        self.processes.kill("redis", signal.SIGKILL)

    def stop(self):
        self.processes.stop_all()


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cache_on(settings, redis_server):
    """The shared cache (API rates) on the private Redis, as production configures it."""
    cache = {**django_settings.CACHES["default"], "LOCATION": redis_server.url, "KEY_PREFIX": "faults"}
    settings.CACHES = {"default": cache}
    return redis_server


@contextlib.contextmanager
def broker_at(url: str):
    """The web process's Celery broker moved to `url` (as CELERY_BROKER_URL would)."""
    from possystem.celery import app

    def reset():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = saved


@pytest.mark.django_db
def test_with_the_cache_killed_the_api_answers_unthrottled_and_counts_again_when_it_is_back(
    partner_api, ticket, device, cache_on, settings, caplog, client
):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "key": "2/min"}
    assert [partner_api.get("/api/v1/tickets/").status_code for _ in range(3)] == [200, 200, 429]

    cache_on.kill()
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        reads = [partner_api.get(f"/api/v1/tickets/{ticket.number}/").status_code for _ in range(5)]
        filed = partner_api.post("/api/v1/tickets/", filing(device), format="json")
        wrong_key = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Api-Key wrong.key")

    assert reads == [200] * 5
    assert filed.status_code == 201, filed.content
    assert wrong_key.status_code == 401
    warnings = [r for r in caplog.records if "rates are not enforced" in r.getMessage()]
    assert len(warnings) <= 1  # said once, not once per request

    cache_on.start()  # an empty Redis: the counting starts afresh (after at most one reconnect)
    assert 429 in [partner_api.get("/api/v1/tickets/").status_code for _ in range(4)]


@pytest.mark.django_db(transaction=True)
def test_a_filing_that_committed_while_the_broker_is_down_answers_201_and_its_messages_stay_owed(
    partner_api, partner, merchant, device, redis_server, caplog, monkeypatch
):
    """The broker alone is down (the cache is fine): the ticket commits, the after-commit hooks
    cannot enqueue. The answer is still 201, every hook runs, and the outbox rows are owed for the
    sweepers' next pass."""
    WebhookSubscription.objects.create(
        partner=partner.partner, url="https://hooks.example/pos", events=["ticket.created"], secret="s" * 64
    )
    merchant.email = "owner@example.com"
    merchant.save(update_fields=["email"])

    with broker_at(redis_server.url):
        redis_server.kill()
        with caplog.at_level(logging.WARNING, logger="possystem.queue"):
            response = partner_api.post("/api/v1/tickets/", filing(device), format="json")

    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == 1
    assert "The broker did not take notifications.deliver" in caplog.text
    assert "The broker did not take webhooks.deliver" in caplog.text
    # Owed now: the next pass of each sweeper takes them, not a pass one period later.
    email = Delivery.objects.get(channel="email", recipient=merchant)
    assert email.sent_at is None
    from notifications import tasks

    requeued = []
    monkeypatch.setattr(tasks.deliver, "delay", requeued.append)
    assert deliveries_requeue() == 1
    assert requeued == [[email.pk]]
    assert WebhookDelivery.objects.get().pk in webhook_deliveries_due()

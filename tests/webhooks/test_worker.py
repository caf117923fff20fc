"""End to end through the real machinery: a ticket filed through the API commits, the outbox row's task
goes through Redis to a real Celery worker, and the worker signs and sends it to the receiver."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import filing
from tests.webhooks.test_deliveries import Receiver, verify
from webhooks.models import WebhookDelivery, WebhookSubscription

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    """One Celery worker on this run's queue, using the test database."""
    env = dict(os.environ)
    database = settings.DATABASES["default"]
    env["DATABASE_URL"] = (
        f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{connection.settings_dict['NAME']}"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "possystem", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--hostname", "api-webhooks@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_a_filed_ticket_reaches_the_partners_receiver_through_redis_and_a_worker(partner_api, device, worker):
    receiver = Receiver()
    try:
        created = partner_api.post(
            "/api/v1/webhooks/", {"url": receiver.url, "events": ["ticket.created"]}, format="json"
        ).json()
        number = partner_api.post("/api/v1/tickets/", filing(device), format="json").json()["number"]

        deadline = time.monotonic() + 60
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)

        assert receiver.received, "the worker did not deliver within a minute"
        headers, body = receiver.received[0]
        assert verify(WebhookSubscription.objects.get(pk=created["id"]).secret, headers, body)
        assert number.encode() in body
        delivery = WebhookDelivery.objects.get()
        for _ in range(50):
            if delivery.status == "delivered":
                break
            time.sleep(0.1)
            delivery.refresh_from_db()
        assert delivery.status == "delivered"
    finally:
        receiver.close()

"""/metrics: for the scraper holding METRICS_TOKEN only; request latency by view, queue lengths, the
SLA scanner's lag and the outboxes' backlogs, in Prometheus's text format."""

import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
import time_machine
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import Delivery
from sla.models import SLACheck
from webhooks.models import WebhookDelivery, WebhookSubscription

TOKEN = "scrape-token-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(**headers) -> dict:
    """The samples of a scrape, by (name, sorted labels)."""
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_without_a_token_configured_there_is_no_such_page(db, settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_a_missing_or_wrong_token_is_refused(db, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"possystem_" not in response.content


def test_request_latency_is_counted_by_view_method_and_status(db, token):
    before = scrape().get(
        ("possystem_http_request_duration_seconds_count", (("method", "GET"), ("status", "200"), ("view", "healthz"))),
        0,
    )
    Client().get("/healthz")
    Client().get("/healthz")
    Client().get("/no/such/page/at/all/")
    samples = scrape()
    key = (("method", "GET"), ("status", "200"), ("view", "healthz"))
    assert samples[("possystem_http_request_duration_seconds_count", key)] == before + 2
    assert samples[("possystem_http_request_duration_seconds_bucket", tuple(sorted((*key, ("le", "+Inf")))))] >= 2
    # Unmatched addresses share one series, whatever they are.
    assert (
        samples[
            (
                "possystem_http_request_duration_seconds_count",
                (("method", "GET"), ("status", "404"), ("view", "unmatched")),
            )
        ]
        >= 1
    )


def test_queue_length_is_the_redis_list_of_the_projects_queue(db, token, settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        client.lpush(queue, "a", "b", "c")
        client.lpush(f"{queue}\x06\x169", "urgent")  # kombu's list for priority 9
        samples = scrape()
    finally:
        client.delete(queue, f"{queue}\x06\x169")
    assert samples[("possystem_celery_queue_length", (("queue", queue),))] == 4
    assert samples[("possystem_metrics_source_up", (("source", "broker"),))] == 1


def test_a_broker_that_does_not_answer_leaves_its_figures_out_but_the_scrape_answers(db, token, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    samples = scrape()
    assert samples[("possystem_metrics_source_up", (("source", "broker"),))] == 0
    assert samples[("possystem_metrics_source_up", (("source", "database"),))] == 1
    assert not [name for name, _ in samples if name == "possystem_celery_queue_length"]


def test_scanner_lag_is_the_age_of_the_oldest_due_check(token, file_at):
    filed = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)
    ticket = file_at(filed)
    first_due = SLACheck.objects.filter(ticket=ticket).order_by("due_at").first().due_at
    with time_machine.travel(first_due - datetime.timedelta(seconds=1), tick=False):
        samples = scrape()
    assert samples[("possystem_sla_scanner_lag_seconds", ())] == 0
    assert samples[("possystem_sla_checks_due", ())] == 0
    with time_machine.travel(first_due + datetime.timedelta(seconds=90), tick=False):
        samples = scrape()
    assert samples[("possystem_sla_scanner_lag_seconds", ())] == 90
    assert samples[("possystem_sla_checks_due", ())] == 1
    assert ("possystem_sla_scanner_last_pass_age_seconds", ()) not in samples  # never ran

    from sla import tasks

    with time_machine.travel(first_due + datetime.timedelta(seconds=100), tick=False):
        tasks.scan()
    with time_machine.travel(first_due + datetime.timedelta(seconds=103), tick=False):
        samples = scrape()
    assert samples[("possystem_sla_scanner_last_pass_age_seconds", ())] == 3
    assert samples[("possystem_sla_checks_due", ())] == 0


def test_outbox_and_webhook_backlogs(token, ticket, partner):
    owed = Delivery.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
    assert owed.exists()  # filing queued the merchant's notices
    subscription = WebhookSubscription.objects.create(
        partner=partner.partner, url="https://example.com/hook", events=["ticket.created"], secret="s"
    )
    now = datetime.datetime.now(datetime.UTC)
    for minutes_ago, status in ((10, "pending"), (-5, "pending"), (30, "delivered")):
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=uuid.uuid4(),
            event_type="ticket.created",
            payload={},
            status=status,
            created_at=now,
            next_attempt_at=now - datetime.timedelta(minutes=minutes_ago),
        )
    with time_machine.travel(now, tick=False):
        samples = scrape()
    for channel in Delivery.Channel.values:
        assert (
            samples[("possystem_notification_deliveries_owed", (("channel", channel),))]
            == owed.filter(channel=channel).count()
        )
    assert samples[("possystem_webhook_deliveries_pending", ())] == 2
    assert samples[("possystem_webhook_deliveries_due", ())] == 1
    assert samples[("possystem_webhook_oldest_due_seconds", ())] == pytest.approx(600, abs=1)


def test_a_scrape_costs_the_same_queries_however_much_is_owed(token, merchant, device, sla_policy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    with CaptureQueriesContext(connection) as few:
        scrape()
    for _ in range(3):
        factories.file_ticket(merchant, device=device)
    with CaptureQueriesContext(connection) as many:
        scrape()
    assert len(many) == len(few) == 5


def test_several_processes_are_summed_in_multiprocess_mode(db, token, tmp_path, monkeypatch):
    """Two processes (as two gunicorn workers) each time a request; one scrape reports both."""
    record = (
        "import django; django.setup()\n"
        "from ops.metrics import REQUEST_LATENCY\n"
        "REQUEST_LATENCY.labels('tickets:console', 'GET', '200').observe(0.015)\n"
    )
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", record], cwd=ROOT, env=environment, check=True, timeout=120)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape()
    key = (("method", "GET"), ("status", "200"), ("view", "tickets:console"))
    assert samples[("possystem_http_request_duration_seconds_count", key)] == 2
    assert samples[("possystem_http_request_duration_seconds_sum", key)] == pytest.approx(0.03)
    # The backlogs are read by whichever process answers.
    assert samples[("possystem_metrics_source_up", (("source", "database"),))] == 1

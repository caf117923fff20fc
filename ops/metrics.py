"""What a Prometheus server scrapes from `/metrics` (see README, "Running at scale").

Two kinds of figures:

- Request latency, observed in each web process by `ops.middleware.RequestLatencyMiddleware`. With
  several processes (gunicorn workers) set PROMETHEUS_MULTIPROC_DIR: every process writes its
  samples to files there, and whichever process answers a scrape sums them (prometheus_client's
  multiprocess mode; `possystem/gunicorn.conf.py` empties the folder at start and drops the files
  of a worker that exited). Without it each process reports only its own requests.
- Backlogs, read when scraped, from the database and the broker (so any one process answers for
  the whole installation): Celery queue lengths, the SLA scanner's lag and last pass, the
  notification outbox and the webhook outbox. Each reading uses an index of the work still owed,
  so a scrape costs what is owed, not what was ever written.
"""

import logging
import os
from pathlib import Path

import redis
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from notifications.models import Delivery
from sla.models import ScannerHeartbeat, SLACheck
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "possystem_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view (URL name).",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
)

# kombu's Redis transport keeps a queue's messages of priority n > 0 in "<queue>\x06\x16<n>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def project_queues() -> list[str]:
    """The Celery queues the project's tasks go to: the default one and any a route names."""
    queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            queues.add(route["queue"])
    return sorted(queues)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue (not those a worker holds). Redis: the lengths of the queue's
    lists; the quick start's filesystem broker: its message files."""
    url = settings.CELERY_BROKER_URL
    queues = project_queues()
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        names = [path.name for path in folder.iterdir()] if folder.is_dir() else []
        return {queue: sum(name.endswith(f".{queue}.msg") for name in names) for queue in queues}
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            for step in _PRIORITY_STEPS:
                pipe.llen(queue if step == 0 else f"{queue}{_PRIORITY_SEPARATOR}{step}")
        lengths = pipe.execute()
    finally:
        client.close()
    steps = len(_PRIORITY_STEPS)
    return {queue: sum(lengths[i * steps : (i + 1) * steps]) for i, queue in enumerate(queues)}


def _age(now, moment) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment is not None else 0.0


class BacklogCollector:
    """Read at each scrape. A source that does not answer is reported by
    `possystem_metrics_source_up` = 0 and its figures left out, never as a failed scrape."""

    def collect(self):
        now = timezone.now()
        up = GaugeMetricFamily(
            "possystem_metrics_source_up", "1 when the source of these figures answered the scrape.", labels=["source"]
        )
        try:
            families = list(self._broker())
            up.add_metric(["broker"], 1)
        except (redis.RedisError, OSError):
            logger.warning("Metrics: the broker did not answer", exc_info=True)
            families = []
            up.add_metric(["broker"], 0)
        try:
            families += list(self._database(now))
            up.add_metric(["database"], 1)
        except DatabaseError:
            logger.warning("Metrics: the database did not answer", exc_info=True)
            up.add_metric(["database"], 0)
        yield from families
        yield up

    def _broker(self):
        depth = GaugeMetricFamily(
            "possystem_celery_queue_length",
            "Tasks waiting in a Celery queue for a worker (not counting those being run).",
            labels=["queue"],
        )
        for queue, length in queue_lengths().items():
            depth.add_metric([queue], length)
        yield depth

    def _database(self, now):
        # sla_check_due: the scanner's own index.
        due = SLACheck.objects.filter(due_at__lte=now).aggregate(n=Count("pk"), oldest=Min("due_at"))
        yield GaugeMetricFamily(
            "possystem_sla_checks_due",
            "SLA checks whose moment has passed and that the scanner has not taken yet.",
            value=due["n"],
        )
        yield GaugeMetricFamily(
            "possystem_sla_scanner_lag_seconds",
            "Age of the oldest SLA check that is due and not yet escalated (0 when none is): how late "
            "the next escalation will be.",
            value=_age(now, due["oldest"]),
        )
        last_pass = ScannerHeartbeat.objects.filter(pk=1).values_list("at", flat=True).first()
        if last_pass is not None:
            yield GaugeMetricFamily(
                "possystem_sla_scanner_last_pass_age_seconds",
                "Seconds since the SLA scanner last finished a pass beat asked for.",
                value=_age(now, last_pass),
            )
        # delivery_pending: only the rows still owed.
        owed = GaugeMetricFamily(
            "possystem_notification_deliveries_owed",
            "Notifications (in-app, e-mail, SMS) neither sent nor given up, by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "possystem_notification_oldest_due_seconds",
            "How long the oldest owed notification has been ready to send (0 when none is).",
        )
        pending = Delivery.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
        counts = dict(pending.values_list("channel").annotate(n=Count("pk")).order_by())
        for channel in Delivery.Channel.values:
            owed.add_metric([channel], counts.get(channel, 0))
        oldest.add_metric([], _age(now, pending.filter(available_at__lte=now).aggregate(m=Min("available_at"))["m"]))
        yield owed
        yield oldest
        # webhook_delivery_due: pending webhook deliveries by when they are due.
        webhooks = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).aggregate(
            pending=Count("pk"),
            due=Count("pk", filter=Q(next_attempt_at__lte=now)),
            oldest=Min("next_attempt_at", filter=Q(next_attempt_at__lte=now)),
        )
        yield GaugeMetricFamily(
            "possystem_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered and not given up (waiting for their next try or due).",
            value=webhooks["pending"],
        )
        yield GaugeMetricFamily(
            "possystem_webhook_deliveries_due",
            "Pending webhook deliveries whose next try is due now.",
            value=webhooks["due"],
        )
        yield GaugeMetricFamily(
            "possystem_webhook_oldest_due_seconds",
            "How long the oldest due webhook delivery has waited past its try (0 when none is).",
            value=_age(now, webhooks["oldest"]),
        )


_BACKLOG = CollectorRegistry(auto_describe=False)
_BACKLOG.register(BacklogCollector())


def exposition() -> bytes:
    """The text a scrape answers: this process's (or, in multiprocess mode, every process's)
    request latency and process figures, then the backlogs."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + generate_latest(_BACKLOG)

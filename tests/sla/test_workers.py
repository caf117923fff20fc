"""Exactly once, with real Celery workers and beats against the real PostgreSQL and Redis.

Each test starts its own worker and beat processes (`tests/sla/processes.py`) on pytest's test
database, with a scan every second, and checks the invariants of the issue: every due escalation
is written once and every notice is sent once, whatever runs twice, dies or restarts.
"""

import datetime
import signal
import statistics

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from sla.models import Escalation, Level
from sla.services import LEVEL_CHANNELS, ticket_sla_changed
from tests import factories
from tests.helpers import escalation_deliveries
from tests.sla.processes import Processes, free_port, wait_until
from tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]

FAR = datetime.timedelta(days=30)


@pytest.fixture
def staff(transactional_db):
    """Two dispatchers and a manager, all with e-mail addresses."""
    return [
        factories.UserFactory(username="dispatcher-a", role=User.Role.DISPATCHER),
        factories.UserFactory(username="dispatcher-b", role=User.Role.DISPATCHER),
        factories.UserFactory(username="manager-c", role=User.Role.MANAGER),
    ]


@pytest.fixture
def processes(transactional_db, tmp_path):
    children = Processes(tmp_path, redis_url=settings.REDIS_URL)
    yield children
    children.stop_all()


def tickets_due(merchant, count: int, *, first: datetime.datetime, spread: datetime.timedelta) -> list[Ticket]:
    """`count` tickets whose response deadlines fall from `first` over `spread` (on-site and
    repair deadlines far away), with the scanner's checks rebuilt to match."""
    device = factories.device_in_warranty(merchant.merchant)
    tickets = [factories.file_ticket(merchant, device=device) for _ in range(count)]
    with transaction.atomic():
        for index, ticket in enumerate(tickets):
            Ticket.objects.filter(pk=ticket.pk).update(
                respond_by=first + spread * index / max(count - 1, 1),
                onsite_by=timezone.now() + FAR,
                resolve_by=timezone.now() + FAR,
            )
            ticket.refresh_from_db()
            ticket_sla_changed(ticket=ticket, now=timezone.now())
    return tickets


def all_breached_and_delivered(processes: Processes, tickets: list[Ticket]) -> bool:
    breached = Escalation.objects.filter(ticket__in=tickets, milestone="respond", level=Level.BREACHED).count()
    owed = escalation_deliveries().filter(sent_at__isnull=True, failed_at__isnull=True).exists()
    emails = escalation_deliveries().filter(channel="email").count()
    return breached == len(tickets) and not owed and len(processes.emails()) >= emails


def assert_written_once_and_notified_once(processes: Processes, tickets: list[Ticket], staff: list[User]):
    escalations = list(Escalation.objects.prefetch_related("recipients"))
    # Written once: one breach per ticket, one timeline entry per escalation (a rolled-back batch
    # leaves none behind), no level twice (the constraint would refuse it).
    per_ticket = Escalation.objects.filter(level=Level.BREACHED).values("ticket").annotate(n=Count("pk"))
    assert sorted(row["ticket"] for row in per_ticket) == sorted(t.pk for t in tickets)
    assert {row["n"] for row in per_ticket} == {1}
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.ESCALATED).count() == len(escalations)
    # Notified once: exactly the deliveries each escalation owes, all sent, each exactly once.
    owed = sum(
        len(e.recipients.all()) * (len(LEVEL_CHANNELS[e.level]) - ("sms" in LEVEL_CHANNELS[e.level]))
        for e in escalations
    )
    deliveries = escalation_deliveries().all()
    assert deliveries.count() == owed
    assert not deliveries.filter(sent_at__isnull=True).exists()
    in_app = Notification.objects.filter(recipient__in=staff)
    assert in_app.count() == deliveries.filter(channel="in_app").count()
    assert not in_app.values("recipient", "subject").annotate(n=Count("pk")).filter(n__gt=1).exists()
    emails = processes.emails()
    assert sorted(emails) == sorted(str(pk) for pk in deliveries.filter(channel="email").values_list("pk", flat=True))


def lateness_report(what: str, values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"{what}: n={len(values)} median={statistics.median(values):.2f}s p99={p99:.2f}s max={values[-1]:.2f}s"


def test_two_workers_and_two_beats_escalate_each_deadline_once_and_notify_once(processes, staff, merchant, policy):
    for name in ("worker-1", "worker-2"):
        processes.worker(name)
    for name in ("beat-1", "beat-2"):
        processes.beat(name)
    tickets = tickets_due(
        merchant, 30, first=timezone.now() + datetime.timedelta(seconds=4), spread=datetime.timedelta(seconds=4)
    )

    wait_until(lambda: all_breached_and_delivered(processes, tickets), timeout=60, what="every breach delivered")
    processes.wait_for_passes("sla.scan", "notifications.requeue")  # nothing may be repeated by them

    assert_written_once_and_notified_once(processes, tickets, staff)
    for name in ("worker-1", "worker-2"):
        assert "sla.scan" in processes.log(name), f"{name} never scanned"
    for name in ("beat-1", "beat-2"):
        assert "Sending due task sla-scan" in processes.log(name)
    # Lateness in normal operation: the scan interval here is 1 s.
    breaches = Escalation.objects.filter(level=Level.BREACHED)
    fired = [(e.fired_at - e.due_at).total_seconds() for e in breaches]
    delivered = [
        (d.sent_at - e.due_at).total_seconds()
        for e in breaches
        for d in escalation_deliveries().filter(source=f"escalation:{e.pk}", channel="in_app")
    ]
    print("\n" + lateness_report("escalation written after its deadline", fired))
    # How late is measured in benchmarks/sla_scan.py (docs/benchmarks.md); here only reported, since a
    # loaded machine must not fail a test about exactly-once.
    print(lateness_report("in-app notice delivered after the deadline", delivered))
    assert all(late >= 0 for late in fired)  # never before its deadline


def test_a_worker_killed_in_the_middle_of_a_batch_misses_nothing_and_repeats_nothing(
    processes, staff, merchant, policy, tmp_path
):
    tickets = tickets_due(
        merchant, 20, first=timezone.now() - datetime.timedelta(seconds=1), spread=datetime.timedelta(0)
    )
    marker = tmp_path / "in-batch"
    processes.env["SLA_SCAN_BATCH_SIZE"] = "5"
    processes.worker(
        "victim",
        app="tests.sla.chaos_celery",
        concurrency=1,
        env={"CHAOS_HANG_IN_BATCH": "2", "CHAOS_MARKER": str(marker)},
    )
    processes.beat("beat")
    wait_until(marker.exists, timeout=30, what="the victim to be inside its second batch")
    # Batch one is committed; batch two has written its escalations, events and outbox rows in a
    # transaction that is still open.
    assert Escalation.objects.count() == 5

    processes.kill("victim", signal.SIGKILL)
    processes.worker("survivor")

    wait_until(lambda: all_breached_and_delivered(processes, tickets), timeout=60, what="every breach delivered")
    processes.wait_for_passes("sla.scan", "notifications.requeue")
    assert_written_once_and_notified_once(processes, tickets, staff)
    assert Escalation.objects.count() == 20


def test_escalations_due_while_redis_is_down_go_out_when_it_is_back(processes, staff, merchant, policy):
    port = free_port()
    processes.redis(port)
    processes.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    processes.worker("worker", concurrency=1)
    processes.beat("beat")
    tickets = tickets_due(
        merchant, 10, first=timezone.now() + datetime.timedelta(hours=1), spread=datetime.timedelta(0)
    )
    # Up: the warnings go out (six hours before a deadline an hour away is long past).
    wait_until(
        lambda: (
            Escalation.objects.filter(level=Level.AT_RISK).count() == 10
            and not escalation_deliveries().filter(sent_at__isnull=True).exists()
        ),
        timeout=30,
        what="the warnings to go out",
    )

    processes.kill("redis", signal.SIGKILL)  # a crash: every queued message is gone
    due = timezone.now() + datetime.timedelta(seconds=1)
    with transaction.atomic():  # now the deadlines fall due while Redis is down
        for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets]):
            ticket.respond_by = due
            ticket.save(update_fields=["respond_by"])
            ticket_sla_changed(ticket=ticket, now=timezone.now())
    wait_until(
        lambda: timezone.now() > due and "Connection to broker lost" in processes.log("worker"),
        timeout=30,
        what="the deadlines to pass with the worker cut off from Redis",
    )
    assert not Notification.objects.filter(subject__contains="breached").exists()  # nothing can go out
    back = timezone.now()
    processes.redis(port)

    wait_until(
        lambda: all_breached_and_delivered(processes, tickets), timeout=90, what="the breaches after Redis is back"
    )
    processes.wait_for_passes("sla.scan", "notifications.requeue")
    assert_written_once_and_notified_once(processes, tickets, staff)
    breaches = Escalation.objects.filter(level=Level.BREACHED).values_list("pk", flat=True)
    sent = (
        escalation_deliveries()
        .filter(source__in=[f"escalation:{pk}" for pk in breaches])
        .values_list("sent_at", flat=True)
    )
    assert min(sent) >= back

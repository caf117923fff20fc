"""The background path through the real machinery: the job's task goes through Redis to a real
Celery worker, which writes the file where the web process reads it; a job whose worker died is
handed to a live one by the sweeper."""

import contextlib
import datetime
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dashboard import exports
from dashboard.models import Export
from tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]


def start_worker(name: str, **overrides: str) -> subprocess.Popen:
    """A Celery worker on this run's queue, using the test database and the test's media folder, in
    a process group of its own (so a kill reaches all of it)."""
    env = dict(os.environ)
    database = settings.DATABASES["default"]
    env["DATABASE_URL"] = (
        f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{connection.settings_dict['NAME']}"
    )
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env.update(overrides)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "possystem", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--hostname", f"{name}@%h"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    process.wait(timeout=30)


@pytest.fixture
def worker():
    process = start_worker("dashboard-exports")
    yield process
    stop(process)


def _finished(export: Export, timeout: float = 60) -> Export:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.is_finished:
            return export
        time.sleep(0.2)
    raise AssertionError(f"export {export.pk} still {export.status} after {timeout:.0f} s")


def _rows(client, export: Export) -> list[tuple]:
    response = client.get(reverse("exports:download", args=[export.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def filed(merchant, sla_policy):
    from tests import factories

    return [factories.file_ticket(merchant) for _ in range(4)]


def test_a_large_export_is_written_by_a_worker_and_downloaded(client, manager, filed, worker, settings):
    settings.EXPORT_BACKGROUND_ROWS = 3
    client.force_login(manager)
    today = timezone.localdate().isoformat()
    response = client.post(reverse("exports:new"), {"since": today, "until": today, "format": "xlsx"})
    assert response.status_code == 302
    export = _finished(Export.objects.get())
    assert export.status == "ready", export.failure
    assert export.rows_done == 4
    rows = _rows(client, export)
    assert sorted(row[0] for row in rows[1:]) == sorted(t.number for t in filed)
    page = client.get(reverse("exports:detail", args=[export.pk]))
    assert reverse("exports:download", args=[export.pk]).encode() in page.content


def test_a_job_left_by_a_dead_worker_is_finished_by_a_live_one(client, manager, filed, worker, settings, monkeypatch):
    with monkeypatch.context() as patch:
        # The task went to the worker that died with it (acknowledged, so the broker has nothing).
        patch.setattr(exports, "enqueue_on_commit", lambda task, calls: None)
        export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Crash", fmt="xlsx")
    # What the dead worker left behind: the job running, its last word long ago.
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.EXPORT_LEASE_SECONDS + 5)
    Export.objects.filter(pk=export.pk).update(status="running", attempts=1, heartbeat_at=long_ago, rows_done=2)

    assert exports.exports_sweep()["restarted"] == 1

    export = _finished(export)
    assert (export.status, export.attempts, export.rows_done) == ("ready", 2, 4)
    client.force_login(manager)
    assert len(_rows(client, export)) == 5


def test_a_worker_killed_while_writing_leaves_a_job_a_live_worker_finishes(client, manager, filed, settings):
    """A real SIGKILL in the middle of a file: the job is left running with its last progress; the
    sweeper, once the lease has run out, hands it to another worker, which writes it whole."""
    settings.EXPORT_LEASE_SECONDS = 3
    with connection.cursor() as cursor:
        # Enough tickets that writing them takes a while: copies of a filed one, bulk-inserted.
        cursor.execute(
            """
            INSERT INTO tickets_ticket (
                number, merchant_id, device_id, kind, channel, priority, fault_category, description,
                contact_name, contact_phone, status, warranty_covered, warranty_reason, sla_policy_id,
                respond_by, onsite_by, resolve_by, paused_from_status, confirmation_code, created_at, updated_at)
            SELECT 'BULK-' || lpad(g::text, 6, '0'), merchant_id, device_id, kind, channel, priority,
                   fault_category, description, contact_name, contact_phone, status, warranty_covered,
                   warranty_reason, sla_policy_id, respond_by, onsite_by, resolve_by, paused_from_status,
                   confirmation_code, created_at + g * interval '1 second', updated_at
            FROM tickets_ticket, generate_series(1, 6000) AS g WHERE tickets_ticket.id = %s
            """,
            [filed[0].pk],
        )
    total = Ticket.objects.count()
    doomed = start_worker("dashboard-exports-doomed", EXPORT_LEASE_SECONDS="3")
    try:
        export = exports.export_start(tickets=Ticket.objects.all(), user=manager, title="Killed", fmt="xlsx")
        deadline = time.monotonic() + 120
        while Export.objects.get(pk=export.pk).rows_done == 0:
            assert time.monotonic() < deadline, "the worker wrote nothing within two minutes"
            time.sleep(0.05)
    finally:
        stop(doomed, signal.SIGKILL)
    export.refresh_from_db()
    assert export.status == "running"
    assert 0 < export.rows_done < total

    survivor = start_worker("dashboard-exports-survivor", EXPORT_LEASE_SECONDS="3")
    try:
        deadline = time.monotonic() + 60
        while not exports.exports_sweep()["restarted"]:
            assert time.monotonic() < deadline, "the sweeper never took the job back"
            time.sleep(0.5)
        export = _finished(export, timeout=300)
    finally:
        stop(survivor)
    assert (export.status, export.attempts, export.rows_done) == ("ready", 2, total)
    client.force_login(manager)
    rows = _rows(client, export)
    assert len(rows) == total + 1
    assert len({row[0] for row in rows[1:]}) == total

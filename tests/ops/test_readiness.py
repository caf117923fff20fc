"""/readyz: the database, Redis and the SLA scanner's beat, each failing on its own; /healthz stays
the cheap liveness check."""

import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from sla import tasks
from sla.models import ScannerHeartbeat

NOW = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def scanned(db):
    """Beat asked for a scan at NOW and a worker ran it."""
    with time_machine.travel(NOW, tick=False):
        tasks.scan()


def readyz(moment):
    with time_machine.travel(moment, tick=False):
        return Client().get("/readyz")


def test_it_is_ready_when_every_check_passes_and_the_scan_task_wrote_the_heartbeat(scanned):
    assert ScannerHeartbeat.objects.get().at == NOW
    response = readyz(NOW + datetime.timedelta(seconds=30))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "redis": {"ok": True}, "beat": {"ok": True}},
    }


def test_it_is_unavailable_before_the_scanner_ever_ran(db):
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["beat"] == {
        "ok": False,
        "detail": "The SLA scanner has not run yet: start beat and a worker.",
    }
    assert body["checks"]["database"] == {"ok": True}


def test_a_stale_beat_is_a_503_naming_it(scanned, settings, caplog):
    settings.READY_SCAN_MAX_AGE_SECONDS = 60
    assert readyz(NOW + datetime.timedelta(seconds=60)).status_code == 200
    response = readyz(NOW + datetime.timedelta(seconds=61))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["beat"] == {
        "ok": False,
        "detail": "The SLA scanner last ran 61 seconds ago: check beat and the workers.",
    }
    assert checks["database"]["ok"] and checks["redis"]["ok"]
    # One warning per probe, not Django's error line for a 5xx.
    assert [(r.levelname, r.getMessage()[:16]) for r in caplog.records] == [("WARNING", "Not ready: beat ")]


def test_a_redis_that_does_not_answer_is_a_503_naming_which(scanned, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = readyz(NOW)
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"ok": False, "detail": "Redis does not answer (broker)."}
    assert response.json()["checks"]["beat"] == {"ok": True}


def test_a_database_that_does_not_answer_is_a_503_not_a_500(scanned, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = readyz(NOW)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "detail": "The database does not answer."}
    assert checks["beat"] == {"ok": False, "detail": "Unknown: the database does not answer."}
    assert checks["redis"] == {"ok": True}


def test_the_checks_speak_the_callers_language(db):
    response = Client().get("/readyz", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert "SLA" in response.json()["checks"]["beat"]["detail"]
    assert "尚未" in response.json()["checks"]["beat"]["detail"]


def test_the_quick_start_has_no_redis_to_check(scanned, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = readyz(NOW)
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": True}


def test_healthz_stays_the_cheap_liveness_check(db, settings, django_assert_num_queries):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    with django_assert_num_queries(1):
        response = Client().get("/healthz")
    assert response.status_code == 200  # neither Redis nor beat is its business


def test_check_ready_fails_with_a_stale_beat_and_passes_with_a_fresh_one(scanned, capsys):
    stale = NOW + datetime.timedelta(minutes=5)
    with time_machine.travel(stale, tick=False), pytest.raises(CommandError, match="not ready: beat"):
        call_command("check_ready", "beat")
    with time_machine.travel(NOW + datetime.timedelta(seconds=5), tick=False):
        call_command("check_ready", "beat")
    assert capsys.readouterr().out.strip().endswith('{"beat": {"ok": true}}')


def test_a_second_first_pass_finds_the_row_written(db):
    later = NOW + datetime.timedelta(seconds=5)
    from sla.services import scanner_heartbeat_record

    scanner_heartbeat_record(now=NOW)
    scanner_heartbeat_record(now=later)
    assert list(ScannerHeartbeat.objects.values_list("at", flat=True)) == [later]
    assert timezone.is_aware(later)

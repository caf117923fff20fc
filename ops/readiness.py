"""Is this installation able to do its work: the checks behind `/readyz` and `manage.py check_ready`.

`/healthz` (accounts.views) stays the cheap liveness check: the process answers and reaches the
database. Readiness asks more: the database answers, every Redis the site uses (broker, cache)
answers, and the SLA scanner has run lately, which proves beat enqueues, the broker carries and a
worker runs (`sla.models.ScannerHeartbeat`, written by every `sla.scan` task).

Each check returns a `Check`; none raises, so a failing dependency is a 503 naming it, never a 500.
Each waits at most about a second (Redis socket timeouts; the database's own connect timeout).
"""

import datetime
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.models import ScannerHeartbeat


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail} if self.detail else {"ok": self.ok}


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Check("database", False, _("The database does not answer."))
    return Check("database", True)


def redis_urls() -> dict[str, str]:
    """The Redis servers the site depends on, by role; none on the quick start's embedded broker."""
    urls = {}
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
        urls["broker"] = settings.CELERY_BROKER_URL
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        urls["cache"] = cache["LOCATION"]
    return urls


def redis_check() -> Check:
    failed = []
    for role, url in redis_urls().items():
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            try:
                client.ping()
            finally:
                client.close()
        except (redis.RedisError, OSError, ValueError):
            failed.append(role)
    if failed:
        return Check("redis", False, _("Redis does not answer (%(roles)s).") % {"roles": ", ".join(failed)})
    return Check("redis", True)


def beat_check(*, now: datetime.datetime | None = None) -> Check:
    """Stale when the last scanner pass is older than READY_SCAN_MAX_AGE_SECONDS: beat stopped, the
    broker lost the way, or no worker runs the scans."""
    now = now or timezone.now()
    try:
        last = ScannerHeartbeat.objects.filter(pk=1).values_list("at", flat=True).first()
    except DatabaseError:
        return Check("beat", False, _("Unknown: the database does not answer."))
    if last is None:
        return Check("beat", False, _("The SLA scanner has not run yet: start beat and a worker."))
    age = (now - last).total_seconds()
    if age > settings.READY_SCAN_MAX_AGE_SECONDS:
        return Check(
            "beat",
            False,
            _("The SLA scanner last ran %(seconds)d seconds ago: check beat and the workers.") % {"seconds": age},
        )
    return Check("beat", True)


CHECKS = {"database": database_check, "redis": redis_check, "beat": beat_check}


def readiness(only: list[str] | None = None) -> list[Check]:
    """The named checks (all by default). With the database down the beat check does not wait for
    it a second time."""
    results = []
    for name in only or CHECKS:
        if name == "beat" and any(c.name == "database" and not c.ok for c in results):
            results.append(Check("beat", False, _("Unknown: the database does not answer.")))
        else:
            results.append(CHECKS[name]())
    return results

"""The operators' endpoints: `/metrics` for Prometheus, `/readyz` for orchestrators."""

import hmac
import logging

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ops.metrics import exposition
from ops.readiness import readiness

logger = logging.getLogger(__name__)


@require_GET
def metrics(request):
    """Prometheus text format, for a scraper that sends `Authorization: Bearer <METRICS_TOKEN>`.

    Without METRICS_TOKEN configured the endpoint does not exist (404); a missing or wrong token
    is a 401. The figures name views and queue lengths, not people, but they are still nobody
    else's business, and a scrape costs a few queries."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = HttpResponse("401 Unauthorized\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


@require_GET
def readyz(request):
    """200 when the database, Redis and the SLA scanner's beat are all well; 503 otherwise, with
    the failing checks named. Cheap enough for a probe every few seconds (three round trips)."""
    checks = readiness()
    ready = all(check.ok for check in checks)
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": {check.name: check.as_dict() for check in checks}},
        status=200 if ready else 503,
        json_dumps_params={"ensure_ascii": False},
    )
    if not ready:
        # One warning naming what failed, instead of Django's "Service Unavailable" error line for
        # every probe: a probe every few seconds during a beat outage is not an error of this view.
        logger.warning("Not ready: %s", ", ".join(f"{c.name} ({c.detail})" for c in checks if not c.ok))
        response._has_been_logged = True  # read by django.utils.log.log_response
    return response

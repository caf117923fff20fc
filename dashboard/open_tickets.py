"""Open tickets now, whenever filed, by status and SLA state: the dashboard's one figure that reads
every open ticket, so at a large provider (a million open tickets) it is counted by the beat.

`open_snapshot_take` counts every open ticket once per run, by status, SLA state, region, partner,
device model and kind (`OpenTicketsCount` rows, replaced in one transaction), every 30 seconds
(`dashboard-open-snapshot`). A view that the daily roll-ups serve (`dashboard.rollups.rollups_serve`)
reads the latest snapshot when it is younger than `SNAPSHOT_MAX_AGE`, and says when it was taken;
otherwise, and on SQLite, the view counts its open tickets live. The drill-down lists are always live,
so a number read from a snapshot can differ from its list by what changed since.
"""

import datetime

from django.db import transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.utils import timezone

from dashboard.filters import View
from dashboard.models import OpenTicketsCount
from dashboard.rollups import rollups_kept, rollups_serve
from sla.models import Level, SLACheck
from sla.selectors import breached_q
from tickets.models import OPEN_STATUSES, Status, Ticket

SLA_STATES = ("breached", "at_risk", "paused", "on_track")
# The beat takes a snapshot every SNAPSHOT_SECONDS; an older one than SNAPSHOT_MAX_AGE (the beat is
# down or behind) is not used.
SNAPSHOT_SECONDS = 30.0
SNAPSHOT_MAX_AGE = datetime.timedelta(seconds=4 * SNAPSHOT_SECONDS)


def _at_risk_exists() -> Exists:
    # The at-risk warning has fired and the breach check lies ahead (as `sla.selectors.at_risk_open`).
    return Exists(SLACheck.objects.filter(ticket=OuterRef("pk"), level=Level.BREACHED))


def _state_conditions(now: datetime.datetime) -> dict[str, Q]:
    """What makes an open ticket breached, at risk or paused, each on its own (they overlap)."""
    return {
        "breached": breached_q(now, open_only=True),
        "at_risk": Q(_at_risk_exists()),
        "paused": Q(status=Status.WAITING_MERCHANT),
    }


def sla_state_q(state: str, now: datetime.datetime) -> Q:
    """An open ticket's overall SLA state, worst first: breached, at risk, paused, on track."""
    breached, at_risk, paused = _state_conditions(now).values()
    return {
        "breached": breached,
        "at_risk": ~breached & at_risk,
        "paused": ~breached & ~at_risk & paused,
        "on_track": ~breached & ~at_risk & ~paused,
    }[state]


def sla_state(now: datetime.datetime) -> Case:
    """`sla_state_q` as one expression: each open ticket's state, the first that holds in the order
    worst first, each condition worked out at most once."""
    return Case(
        *(When(condition, then=Value(state)) for state, condition in _state_conditions(now).items()),
        default=Value("on_track"),
    )


def open_counts(view: View) -> tuple[list[dict], datetime.datetime | None]:
    """The view's open tickets counted by status and state (rows of `status`, `state`, `n`), and
    when: None when counted now, live; the snapshot's time when read from it."""
    snapshot = _latest_snapshot(view)
    if snapshot is not None:
        rows = OpenTicketsCount.objects.filter(taken_at=snapshot)
        if view.region is not None:
            rows = rows.filter(region=view.region)
        if view.partner is not None:
            rows = rows.filter(partner=view.partner)
        if getattr(view.actor, "role", None) == "partner":
            rows = rows.filter(partner=view.actor.partner_id)  # a partner's own merchants (`visible_to`)
        if view.device_model is not None:
            rows = rows.filter(model=view.device_model)
        if view.kind:
            rows = rows.filter(kind=view.kind)
        return list(rows.values("status", "state").annotate(n=Sum("count")).order_by()), snapshot
    live = (
        view.scope()
        .filter(status__in=OPEN_STATUSES)
        .values("status", state=sla_state(view.now))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return list(live), None


def _latest_snapshot(view: View) -> datetime.datetime | None:
    if not rollups_serve(view):
        return None
    taken_at = OpenTicketsCount.objects.order_by("-taken_at").values_list("taken_at", flat=True).first()
    if taken_at is None or not view.now - SNAPSHOT_MAX_AGE <= taken_at <= view.now:
        return None
    return taken_at


def open_snapshot_take(now: datetime.datetime | None = None) -> int:
    """Count every open ticket by status, SLA state, region, partner, device model and kind, and
    keep that as the latest snapshot (the earlier ones deleted). Returns the rows written."""
    if not rollups_kept():
        return 0
    now = now or timezone.now()
    groups = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .values(
            "status", "kind", "region", partner=F("merchant__partner"), model=F("device__model"), state=sla_state(now)
        )
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = [
        OpenTicketsCount(
            taken_at=now,
            status=group["status"],
            state=group["state"],
            kind=group["kind"],
            region_id=group["region"],
            partner_id=group["partner"],
            model_id=group["model"],
            count=group["count"],
        )
        for group in groups
    ]
    with transaction.atomic():
        OpenTicketsCount.objects.bulk_create(rows, batch_size=1000)
        # The snapshot before stays until the next one: a reader that has just chosen it still finds it.
        previous = OpenTicketsCount.objects.filter(taken_at__lt=now).order_by("-taken_at")
        keep = [now, *previous.values_list("taken_at", flat=True)[:1]]
        OpenTicketsCount.objects.exclude(taken_at__in=keep).delete()
    return len(rows)

"""The weekly summary e-mailed to managers on Monday morning: last week's figures, the worst regions
and technicians, and a link back to the dashboard for that week.

"Last week" is Monday 00:00 to Monday 00:00 in Asia/Shanghai, before the Monday the beat fires on.
Each manager gets it once per week: the outbox row's source names the week
(`weekly-summary:2026-11-23`) and `Delivery` is unique per source, channel and recipient, so a beat
that fires twice, or two beats, send nothing twice. Each reader gets it in their own language.
"""

import dataclasses
import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import Region, User
from notifications.models import Delivery
from notifications.services import email_queue_once
from sla.models import Escalation, Level, Milestone
from sla.selectors import Compliance, at_risk_open, breached_open, sla_compliance
from technicians.models import Technician
from tickets.models import Feedback, Ticket

logger = logging.getLogger(__name__)

WORST = 3


@dataclass
class Ranked:
    """A region or a technician with the breaches of last week on its tickets."""

    item: object
    breaches: int


@dataclass
class WeeklyFigures:
    since: datetime.date  # the Monday the week starts on
    until: datetime.date  # the next Monday (not included)
    compliance: list[Compliance]
    breaches: int
    breached_open: int
    at_risk_open: int
    csat_average: float | None
    csat_count: int
    resolved: int
    worst_regions: list[Ranked] = field(default_factory=list)
    worst_technicians: list[Ranked] = field(default_factory=list)

    @property
    def last_day(self) -> datetime.date:
        return self.until - datetime.timedelta(days=1)

    @property
    def csat_response_percent(self) -> str:
        return "—" if not self.resolved else f"{min(self.csat_count, self.resolved) * 100 / self.resolved:.0f} %"

    @property
    def csat_text(self) -> str:
        return "—" if self.csat_average is None else f"{self.csat_average:.2f} / 5"


def week_before(now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The Monday-to-Monday week (local days) that ended before the week `now` falls in."""
    today = timezone.localdate(now)
    this_monday = today - datetime.timedelta(days=today.weekday())
    return this_monday - datetime.timedelta(days=7), this_monday


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def weekly_figures(*, since: datetime.date, until: datetime.date, now: datetime.datetime) -> WeeklyFigures:
    """The week's figures in a fixed number of queries (aggregates in PostgreSQL)."""
    start, end = _local_midnight(since), _local_midnight(until)
    breaches = Escalation.objects.filter(level=Level.BREACHED, fired_at__gte=start, fired_at__lt=end)
    csat = Feedback.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        average=Avg("rating"), count=Count("pk")
    )
    by_region = (
        breaches.annotate(region=Coalesce("ticket__device__region", "ticket__merchant__region"))
        .filter(region__isnull=False)
        .values("region")
        .annotate(n=Count("ticket", distinct=True))
        .order_by("-n", "region")[:WORST]
    )
    regions = Region.objects.in_bulk([row["region"] for row in by_region])
    # The technician on the job: an assignment neither declined nor handed to someone else.
    by_technician = (
        breaches.filter(
            ticket__assignments__isnull=False,
            ticket__assignments__declined_at__isnull=True,
            ticket__assignments__released_at__isnull=True,
        )
        .values("ticket__assignments__technician")
        .annotate(n=Count("ticket", distinct=True))
        .order_by("-n", "ticket__assignments__technician")[:WORST]
    )
    technicians = Technician.objects.select_related("user").in_bulk(
        [row["ticket__assignments__technician"] for row in by_technician]
    )
    return WeeklyFigures(
        since=since,
        until=until,
        compliance=sla_compliance(since=start, until=end, now=now),
        breaches=breaches.values("ticket").distinct().count(),
        breached_open=breached_open(limit=None).order_by().values("ticket").distinct().count(),
        at_risk_open=at_risk_open(now=now, limit=None).order_by().values("ticket").distinct().count(),
        csat_average=csat["average"],
        csat_count=csat["count"],
        resolved=Ticket.objects.filter(resolved_at__gte=start, resolved_at__lt=end).count(),
        worst_regions=[Ranked(regions[row["region"]], row["n"]) for row in by_region],
        worst_technicians=[
            Ranked(technicians[row["ticket__assignments__technician"]], row["n"]) for row in by_technician
        ],
    )


def dashboard_link(*, since: datetime.date, until: datetime.date) -> str:
    """The dashboard showing that week (its last day included), as a path on the site."""
    last_day = until - datetime.timedelta(days=1)
    query = {"period": "custom", "start": since.isoformat(), "end": last_day.isoformat()}
    return f"{reverse('dashboard:dashboard')}?{urlencode(query)}"


def weekly_summary_compose(*, figures: WeeklyFigures, link: str) -> tuple[str, str]:
    """Subject and plain-text body in the active language."""
    subject = _("Weekly service summary: %(since)s – %(until)s") % {
        "since": figures.since.isoformat(),
        "until": figures.last_day.isoformat(),
    }
    # The figures are counted once for every reader; the milestones' names are each reader's.
    compliance = [dataclasses.replace(row, label=str(Milestone(row.milestone).label)) for row in figures.compliance]
    body = render_to_string(
        "dashboard/email/weekly.txt",
        {"figures": figures, "compliance": compliance, "link": f"{settings.SITE_URL}{link}"},
    )
    return subject, body


def weekly_summary_send(*, now: datetime.datetime | None = None) -> int:
    """Queue last week's summary for every active manager with an e-mail address who has not had
    it yet; returns how many were queued. Safe to run any number of times."""
    now = now or timezone.now()
    since, until = week_before(now)
    source = f"weekly-summary:{since.isoformat()}"
    managers = User.objects.filter(role=User.Role.MANAGER, is_active=True).exclude(email="")
    already = set(
        Delivery.objects.filter(source=source, channel=Delivery.Channel.EMAIL).values_list("recipient_id", flat=True)
    )
    waiting = [manager for manager in managers.order_by("pk") if manager.pk not in already]
    if not waiting:
        return 0
    figures = weekly_figures(since=since, until=until, now=now)
    link = dashboard_link(since=since, until=until)
    queued = 0
    for manager in waiting:
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            subject, body = weekly_summary_compose(figures=figures, link=link)
        queued += email_queue_once(recipient=manager, subject=subject, body=body, source=source, now=now)
    logger.info("Weekly summary of %s queued for %d managers", since, queued)
    return queued

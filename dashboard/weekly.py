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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import User
from dashboard import figures as dashboard_figures
from dashboard.filters import Period, Preset, View
from notifications.models import Delivery
from notifications.services import email_queue_once
from sla.models import Milestone
from sla.selectors import Compliance

logger = logging.getLogger(__name__)

WORST = 3


@dataclass
class Ranked:
    """A region with the tickets filed last week that breached a deadline."""

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
    worst_technicians: list[dashboard_figures.Workload] = field(default_factory=list)

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


def week_view(*, since: datetime.date, until: datetime.date, now: datetime.datetime, actor=None) -> View:
    """The dashboard's view of that week (`until` excluded), as `dashboard_link` opens it. Every
    manager sees every ticket, so the figures are the same whichever manager looks; without an
    `actor` they are counted as a manager sees them."""
    actor = actor or User(role=User.Role.MANAGER, is_active=True)
    return View(actor=actor, period=Period(Preset.CUSTOM, since, until - datetime.timedelta(days=1)), now=now)


def weekly_figures(
    *, since: datetime.date, until: datetime.date, now: datetime.datetime, actor=None
) -> WeeklyFigures:
    """The week's figures, each one the dashboard's figure for the view of that week (so the e-mail
    and the page it links to say the same): compliance, breaches by region, satisfaction, open
    tickets by SLA state and the technicians' workload. A fixed number of queries."""
    view = week_view(since=since, until=until, now=now, actor=actor)
    regions = dashboard_figures.breaches_by_region_figure(view)
    satisfaction = dashboard_figures.satisfaction_figure(view)
    open_now = {state: count for state, _label, count in dashboard_figures.open_figure(view).by_state}
    # The technicians whose open jobs are past their on-site or repair deadline, most first.
    overdue = [row for row in dashboard_figures.workload_figure(view) if row.overdue_jobs]
    overdue.sort(key=lambda row: (-row.overdue_jobs, -row.open_jobs, row.technician.user.username))
    return WeeklyFigures(
        since=since,
        until=until,
        compliance=dashboard_figures.compliance_figure(view),
        breaches=sum(breached for _region, breached, _filed in regions),
        breached_open=open_now["breached"],
        at_risk_open=open_now["at_risk"],
        csat_average=satisfaction.average,
        csat_count=satisfaction.rated,
        resolved=satisfaction.resolved,
        worst_regions=[Ranked(region, breached) for region, breached, _filed in regions if region and breached][:WORST],
        worst_technicians=overdue[:WORST],
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

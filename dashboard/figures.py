"""The manager's figures for one dashboard view, each aggregated in the database.

`figures_compute(view)` returns every figure the page shows; each `*_figure` function computes one
group on its own (the chart endpoints and the partner API call only those they need). Nothing here
loops over tickets in Python: every number is a COUNT/SUM/AVG/percentile in SQL over
`view.tickets()` (tickets filed in the period) or `view.scope()` (open tickets, at any filing date).

`drill_tickets(view, figure, arg)` is the other half of every number: the tickets behind it, with
the same rule, so a number and the length of its list always agree.

Times to respond, arrive and resolve are the minutes stored on each ticket when the milestone was
met, counted on that milestone's clock (working time where the policy counts working time); downtime
is elapsed time to service restored; a paused clock's wait is included in both. Repeat repairs,
first-time fix and the technician who fixed a repair are stored on the ticket too (`tickets.facts`),
so every repair figure is a plain count. The compliance counts follow the SLA engine's rules exactly
(`sla.selectors.milestone_outcome_q`).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import Region
from dashboard.filters import View
from dashboard.open_tickets import SLA_STATES, open_counts, sla_state_q
from dashboard.rollups import (
    completed_jobs,
    mean_of,
    p90_of,
    period_sums,
    period_sums_by,
    period_sums_split,
    repair_groups,
    resolved_repairs,
    rollups_kept,
)
from devices.models import DeviceModel
from sla.deadlines import MILESTONES
from sla.models import Escalation, Level, Milestone, SLACheck
from sla.selectors import STATE_LABELS, Compliance, at_risk_open, breached_open, breached_q, milestone_outcome_q
from technicians.models import Assignment, PartUsed, RepairReport, Technician, Visit, active_assignment_q
from tickets.models import OPEN_STATUSES, Feedback, Status

OUTCOMES = ("on_time", "late", "missed", "pending")
LIST_LIMIT = 10

# --- durations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    key: str
    label: str
    count: int
    mean: datetime.timedelta | None
    # Nine tickets in ten took at most this long, to the step of the roll-ups' histogram
    # (`dashboard.models.ROLLUP_EDGES`), never more than the longest.
    p90: datetime.timedelta | None


# What each duration is measured on: the milestone's met time (its minutes, on its clock, are stored
# on the ticket), or for downtime service restored.
DURATION_FIELDS = {
    "respond": "responded_at",
    "onsite": "onsite_at",
    "resolve": "resolved_at",
    "downtime": "restored_at",
}


def durations_figure(view: View, row: dict | None = None) -> dict[str, Duration]:
    """Mean and 90th percentile from filing to each milestone met (on the milestone's clock), and to
    service restored. From the roll-ups' sums (`row`, when `figures_compute` already read them)."""
    row = row or period_sums(view)
    labels = _duration_labels()
    return {
        key: Duration(key, labels[key], row[f"{key}_n"], mean_of(row, key), p90_of(row, key)) for key in DURATION_FIELDS
    }


def _duration_labels():
    return {
        "respond": _("Time to respond"),
        "onsite": _("Time to arrive on site"),
        "resolve": _("Time to resolve"),
        "downtime": _("Merchant downtime"),
    }


# --- compliance -----------------------------------------------------------------------------------


def compliance_figure(view: View, row: dict | None = None) -> list[Compliance]:
    """Per milestone, for tickets filed in the period: on time, late, missed, pending."""
    counts = row or period_sums(view, [f"{m}_{name}" for m in Milestone for name in OUTCOMES])
    return [
        Compliance(
            milestone=milestone,
            label=str(Milestone(milestone).label),
            **{name: counts[f"{milestone}_{name}"] for name in OUTCOMES},
        )
        for milestone in Milestone
    ]


@dataclass(frozen=True)
class Week:
    starts_on: datetime.date
    milestones: dict[str, Compliance]


def compliance_trend_figure(view: View, weeks: dict | None = None) -> list[Week]:
    """Compliance per milestone per local week (Monday first) of filing (from `weeks`, when
    `figures_compute` already read them)."""
    names = [f"{milestone}_{name}" for milestone in Milestone for name in OUTCOMES if name != "pending"]
    weeks = weeks if weeks is not None else period_sums_by(view, "week", names)
    return [
        Week(
            starts_on=week,
            milestones={
                milestone: Compliance(
                    milestone=milestone,
                    label=str(Milestone(milestone).label),
                    pending=0,
                    **{name: row[f"{milestone}_{name}"] for name in OUTCOMES if name != "pending"},
                )
                for milestone in Milestone
            },
        )
        for week, row in sorted(weeks.items())
    ]


# --- open tickets now ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenTickets:
    by_status: list[tuple[str, str, int]]  # status, label, count
    by_state: list[tuple[str, str, int]]
    as_of: datetime.datetime | None = None  # the beat's snapshot read; None: counted now

    @property
    def total(self) -> int:
        return sum(count for _status, _label, count in self.by_status)


def open_figure(view: View) -> OpenTickets:
    """Open tickets now, whenever they were filed, by status and by SLA state: from the beat's
    snapshot where it serves the view, else counted live, each ticket's state worked out once
    (`dashboard.open_tickets`)."""
    groups, as_of = open_counts(view)
    by_status = dict.fromkeys(OPEN_STATUSES, 0)
    by_state = dict.fromkeys(SLA_STATES, 0)
    for group in groups:
        by_status[group["status"]] += group["n"]
        by_state[group["state"]] += group["n"]
    return OpenTickets(
        by_status=[(s.value, str(s.label), by_status[s]) for s in OPEN_STATUSES],
        by_state=[(state, str(STATE_LABELS[state]), by_state[state]) for state in SLA_STATES],
        as_of=as_of,
    )


def at_risk_list(view: View, limit: int = LIST_LIMIT):
    """Milestones warned about and not yet due, soonest first."""
    return (
        SLACheck.objects.filter(level=Level.BREACHED, due_at__gt=view.now, ticket__in=view.scope().values("pk"))
        .select_related("ticket__merchant")
        .order_by("due_at", "pk")[:limit]
    )


def breaches_list(view: View, limit: int = LIST_LIMIT):
    """Breaches still unmet on open tickets, most overdue first."""
    return breached_open(limit=None).filter(ticket__in=view.scope().values("pk"))[:limit]


# --- breaches by region ----------------------------------------------------------------------------


def breaches_by_region_figure(view: View, regions: dict | None = None) -> list[tuple[Region | None, int, int]]:
    """Per region (the ticket's: the terminal's, else the merchant's): tickets filed in the period with a breached
    milestone, and all tickets filed. Most breaches first."""
    rows = regions if regions is not None else period_sums_by(view, "region", ["breached", "filed"])
    regions = Region.objects.in_bulk([key for key in rows if key])
    ordered = sorted(rows.items(), key=lambda item: (-item[1]["breached"], item[0] is None, item[0] or 0))
    return [(regions.get(key), row["breached"], row["filed"]) for key, row in ordered]


# --- technicians ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    technician: Technician
    open_jobs: int
    overdue_jobs: int
    completed: int

    @property
    def load_percent(self) -> int:
        return round(self.open_jobs * 100 / self.technician.capacity) if self.technician.capacity else 0


def _count(queryset) -> Subquery:
    """COUNT(*) of a queryset correlated to the outer row, as a subquery (0 when empty)."""
    return Coalesce(
        Subquery(queryset.order_by().values("technician").annotate(n=Count("pk")).values("n")[:1]), Value(0)
    )


def workload_figure(view: View) -> list[Workload]:
    """Each technician's open jobs against capacity, the open ones overdue, and the jobs completed
    in the period. One query; the open and overdue jobs are subqueries on the index of open
    assignments, so their cost follows a technician's open jobs; the completed ones are summed from
    the roll-ups by day of completion (`dashboard.rollups.completed_jobs`; live on SQLite)."""
    now = view.now
    mine = Assignment.objects.filter(technician=OuterRef("pk"))
    active = mine.filter(active_assignment_q())
    overdue = active.exclude(ticket__status=Status.WAITING_MERCHANT).filter(
        Q(ticket__onsite_by__lt=now, ticket__onsite_at__isnull=True)
        | Q(ticket__resolve_by__lt=now, ticket__resolved_at__isnull=True)
    )
    if rollups_kept():
        completed = completed_jobs(view)
    else:
        completed = _count(mine.filter(completed_at__gte=view.period.since, completed_at__lt=view.period.until))
    technicians = Technician.objects.select_related("user")
    if view.technician is not None:
        technicians = technicians.filter(pk=view.technician.pk)
    if view.region is not None:
        technicians = technicians.filter(regions=view.region)
    technicians = technicians.annotate(
        open_jobs=_count(active), overdue_jobs=_count(overdue), completed=completed
    ).order_by("-open_jobs", "user__username")
    return [Workload(t, t.open_jobs, t.overdue_jobs, t.completed) for t in technicians]


# --- repairs: first-time fix and repeats -----------------------------------------------------------


def _resolved_repairs(view: View) -> QuerySet:
    return resolved_repairs(view.tickets())


def _not_first_time() -> Q:
    """Reopened by the merchant, or a second visit was needed (`tickets.facts`, written at resolution)."""
    return Q(fixed_first_time=False)


@dataclass(frozen=True)
class RepeatRow:
    key: str  # the id or firmware that the drill-down takes
    label: str
    repairs: int
    repeats: int

    @property
    def rate(self) -> float | None:
        return self.repeats / self.repairs if self.repairs else None


@dataclass(frozen=True)
class Repairs:
    resolved: int
    first_time: int
    repeats: int
    by_model: list[RepeatRow] = field(default_factory=list)
    by_firmware: list[RepeatRow] = field(default_factory=list)
    by_technician: list[RepeatRow] = field(default_factory=list)

    @property
    def first_time_rate(self) -> float | None:
        return self.first_time / self.resolved if self.resolved else None

    @property
    def repeat_rate(self) -> float | None:
        return self.repeats / self.resolved if self.resolved else None


def _per(groups: list[dict], key: str, label) -> list[RepeatRow]:
    totals: dict = {}
    for group in groups:
        repairs, repeats = totals.get(group[key], (0, 0))
        totals[group[key]] = (repairs + group["repairs"], repeats + group["repeats"])
    rows = [RepeatRow(str(k or ""), label(k), repairs, repeats) for k, (repairs, repeats) in totals.items()]
    return sorted(rows, key=lambda row: (-row.repeats, -row.repairs, row.label))


def repairs_figure(view: View) -> Repairs:
    """Resolved repairs filed in the period: fixed the first time, and back within 30 days, overall
    and per device model, firmware and technician. One query plus the names."""
    groups = repair_groups(view)
    models = DeviceModel.objects.in_bulk({g["model"] for g in groups if g["model"]})
    people = Technician.objects.select_related("user").in_bulk({g["fixed_by"] for g in groups if g["fixed_by"]})
    return Repairs(
        resolved=sum(g["repairs"] for g in groups),
        first_time=sum(g["first_time"] for g in groups),
        repeats=sum(g["repeats"] for g in groups),
        by_model=_per(groups, "model", lambda pk: str(models[pk]) if pk in models else "—"),
        by_firmware=_per(groups, "firmware", lambda version: version or "—"),
        by_technician=_per(groups, "fixed_by", lambda pk: str(people[pk]) if pk in people else _("Nobody recorded")),
    )


def repeats_by_technician_figure(view: View) -> list[RepeatRow]:
    """Per technician who last worked a resolved repair: repairs, and those back within 30 days."""
    return repairs_figure(view).by_technician


# --- satisfaction, parts, money, visits ------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    resolved: int
    rated: int
    average: float | None
    comments: list  # the latest Feedback rows with a comment

    @property
    def response_rate(self) -> float | None:
        return self.rated / self.resolved if self.resolved else None


def satisfaction_figure(view: View, row: dict | None = None) -> Satisfaction:
    """Ratings of tickets filed in the period: average, share of resolved tickets rated, the latest
    comments."""
    row = row or period_sums(view, ["resolved", "rated", "rating_sum", "commented"])
    average = row["rating_sum"] / row["rated"] if row["rated"] else None
    # Walked newest first on `feedback_comment_latest` until five of the view's are found; a view
    # with no comment at all (known from the sums) would walk every comment for nothing.
    comments = (
        Feedback.objects.filter(ticket__in=view.tickets().values("pk"))
        .exclude(comment="")
        .select_related("ticket__merchant")
        .order_by("-created_at", "-pk")[: min(5, row["commented"])]
    )
    return Satisfaction(row["resolved"], row["rated"], average, list(comments))


@dataclass(frozen=True)
class Parts:
    quantity: int
    cost: Decimal
    top: list[dict]  # sku, name, quantity, cost


def parts_figure(view: View) -> Parts:
    """Spare parts used on tickets filed in the period, in total and the most used. Two queries."""
    used = PartUsed.objects.filter(report__ticket__in=view.tickets().values("pk"))
    cost = ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=14, decimal_places=2))
    totals = used.aggregate(used=Sum("quantity"), spent=Sum(cost))
    top = (
        used.values("spare_part__sku", "spare_part__name")
        .annotate(used=Sum("quantity"), spent=Sum(cost))
        .order_by("-used", "spare_part__sku")[:LIST_LIMIT]
    )
    rows = [
        {"sku": row["spare_part__sku"], "name": row["spare_part__name"], "quantity": row["used"], "cost": row["spent"]}
        for row in top
    ]
    return Parts(totals["used"] or 0, totals["spent"] or Decimal("0.00"), rows)


@dataclass(frozen=True)
class Revenue:
    tickets: int
    amount: Decimal


def revenue_figure(view: View, row: dict | None = None) -> Revenue:
    """What merchants were charged for out-of-warranty work on tickets filed in the period."""
    row = row or period_sums(view, ["charged", "charged_amount"])
    return Revenue(row["charged"], row["charged_amount"] or Decimal("0.00"))


@dataclass(frozen=True)
class Visits:
    total: int
    unverified: int
    awaiting_approval: int


def visits_figure(view: View) -> Visits:
    """Visits on tickets filed in the period, those without the merchant's code, and those of them
    still waiting for a manager's approval."""
    row = Visit.objects.filter(ticket__in=view.tickets().values("pk")).aggregate(
        total=Count("pk"),
        unverified=Count("pk", filter=Q(code_matched=False)),
        awaiting_approval=Count("pk", filter=Q(verified=False)),
    )
    return Visits(row["total"], row["unverified"], row["awaiting_approval"])


# --- all of it ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    view: View
    filed: int
    compliance: list[Compliance]
    trend: list[Week]
    open: OpenTickets
    at_risk: list
    breaches: list
    durations: dict[str, Duration]
    regions: list
    workload: list[Workload]
    repairs: Repairs
    satisfaction: Satisfaction
    parts: Parts
    revenue: Revenue
    visits: Visits


def figures_compute(view: View) -> Figures:
    """Every figure of the dashboard for `view`. The counts, times, ratings and revenue of the
    period's tickets are read at once (`dashboard.rollups.period_sums`); the other groups take a
    query or two each."""
    row, weeks, regions = period_sums_split(view)
    return Figures(
        view=view,
        filed=row["filed"],
        compliance=compliance_figure(view, row),
        trend=compliance_trend_figure(view, weeks),
        open=open_figure(view),
        at_risk=list(at_risk_list(view)),
        breaches=list(breaches_list(view)),
        durations=durations_figure(view, row),
        regions=breaches_by_region_figure(view, regions),
        workload=workload_figure(view),
        repairs=repairs_figure(view),
        satisfaction=satisfaction_figure(view, row),
        parts=parts_figure(view),
        revenue=revenue_figure(view, row),
        visits=visits_figure(view),
    )


# --- drill-down ---------------------------------------------------------------------------------


def _compliance_drill(milestone: str, outcome: str):
    def tickets(view: View, arg: str) -> QuerySet:
        return view.tickets().filter(milestone_outcome_q(milestone, view.now)[outcome])

    return tickets


def _open_status(view: View, arg: str) -> QuerySet:
    if arg not in OPEN_STATUSES:
        return view.scope().filter(status__in=OPEN_STATUSES)
    return view.scope().filter(status=arg)


def _open_state(view: View, arg: str) -> QuerySet:
    open_tickets = view.scope().filter(status__in=OPEN_STATUSES)
    return open_tickets.filter(sla_state_q(arg, view.now)) if arg in SLA_STATES else open_tickets


def _met(view: View, arg: str) -> QuerySet:
    met = DURATION_FIELDS.get(arg, "resolved_at")
    return view.tickets().filter(**{f"{met}__isnull": False})


def _region_breached(view: View, arg: str) -> QuerySet:
    tickets = view.tickets().filter(breached_q(view.now))
    if arg == "none":
        return tickets.filter(region__isnull=True)
    return tickets.filter(region=arg) if arg.isdigit() else tickets


def _repeats(view: View, arg: str) -> QuerySet:
    repairs = _resolved_repairs(view).filter(came_back=True)
    kind, _sep, value = arg.partition(":")
    if kind == "model" and value.isdigit():
        return repairs.filter(device__model=value)
    if kind == "firmware":
        return repairs.filter(device__firmware_version=value)
    if kind == "technician" and value.isdigit():
        return repairs.filter(fixed_by=value)
    return repairs


DRILLS = {
    "filed": lambda view, arg: view.tickets(),
    **{
        f"{milestone}.{outcome}": _compliance_drill(milestone, outcome)
        for milestone in MILESTONES
        for outcome in OUTCOMES
    },
    "open": _open_status,
    "state": _open_state,
    "met": _met,
    "region_breached": _region_breached,
    "resolved_repairs": lambda view, arg: _resolved_repairs(view),
    "first_time": lambda view, arg: _resolved_repairs(view).filter(fixed_first_time=True),
    "not_first_time": lambda view, arg: _resolved_repairs(view).filter(_not_first_time()),
    "repeats": _repeats,
    "rated": lambda view, arg: view.tickets().filter(feedback__isnull=False),
    "parts": lambda view, arg: view.tickets().filter(Exists(PartUsed.objects.filter(report__ticket=OuterRef("pk")))),
    "charged": lambda view, arg: view.tickets().filter(
        Exists(RepairReport.objects.filter(ticket=OuterRef("pk"), charged=True))
    ),
    "unverified": lambda view, arg: view.tickets().filter(
        Exists(Visit.objects.filter(ticket=OuterRef("pk"), code_matched=False))
    ),
}


def drill_title(figure: str, arg: str = "") -> str:
    """What a drill-down list shows, in the reader's language."""
    milestone, _dot, outcome = figure.partition(".")
    if milestone in MILESTONES and outcome in OUTCOMES:
        outcomes = {
            "on_time": _("On time"),
            "late": _("Late"),
            "missed": _("Missed, still open"),
            "pending": _("Not due yet"),
        }
        return _("%(milestone)s: %(outcome)s") % {"milestone": Milestone(milestone).label, "outcome": outcomes[outcome]}
    if figure == "open" and arg in OPEN_STATUSES:
        return _("Open tickets now: %(which)s") % {"which": Status(arg).label}
    if figure == "state" and arg in SLA_STATES:
        return _("Open tickets now: %(which)s") % {"which": STATE_LABELS[arg]}
    if figure in ("open", "state"):
        return _("Open tickets now")
    if figure == "met":
        return _duration_labels().get(arg, _("Time to resolve"))
    return str(
        {
            "region_breached": _("Tickets with a breach"),
            "resolved_repairs": _("Repairs"),
            "first_time": _("First-time fix"),
            "not_first_time": _("Not fixed the first time"),
            "repeats": _("Back within 30 days"),
            "rated": _("Customer satisfaction"),
            "parts": _("Parts used"),
            "charged": _("Out-of-warranty revenue"),
            "unverified": _("Unverified visits"),
        }.get(figure, _("Tickets filed"))
    )


def drill_tickets(view: View, figure: str, arg: str = "") -> QuerySet | None:
    """The tickets behind one number of the dashboard; None for a figure that does not exist."""
    rule = DRILLS.get(figure)
    return None if rule is None else rule(view, arg)


# --- the partner API's summary ---------------------------------------------------------------------


def summary_figure(view: View) -> dict:
    """The numbers of `GET /api/v1/sla/summary/` for the caller's tickets: compliance per milestone,
    open escalations per level, open tickets breached or at risk, and the service figures."""
    scope = view.scope().values("pk")
    open_escalations = {level: 0 for level in Level.values}
    rows = (
        Escalation.objects.filter(acknowledged_at__isnull=True, ticket__in=scope)
        .values("level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    open_escalations.update({row["level"]: row["n"] for row in rows})
    opened = open_figure(view)
    sums = period_sums(view)
    durations = durations_figure(view, sums)
    groups = repair_groups(view)
    repairs = {name: sum(group[name] for group in groups) for name in ("repairs", "first_time", "repeats")}
    satisfaction = satisfaction_figure(view, sums)

    def share(part, whole):
        return round(part / whole, 4) if whole else None

    def seconds(duration):
        return None if duration is None else round(duration.total_seconds())

    return {
        "since": view.period.since,
        "until": view.period.until,
        "milestones": {
            row.milestone: {
                "on_time": row.on_time,
                "late": row.late,
                "missed": row.missed,
                "pending": row.pending,
                "compliance": None if row.rate is None else round(row.rate, 4),
            }
            for row in compliance_figure(view, sums)
        },
        "open_escalations": open_escalations,
        # As before the dashboard moved: from the escalations and the index of due checks.
        "breached_tickets": breached_open(limit=None)
        .filter(ticket__in=scope)
        .order_by()
        .values("ticket")
        .distinct()
        .count(),
        "at_risk_tickets": at_risk_open(now=view.now, limit=None)
        .filter(ticket__in=scope)
        .order_by()
        .values("ticket")
        .distinct()
        .count(),
        "filed": sums["filed"],
        "open_tickets": opened.total,
        "durations": {
            key: {"count": d.count, "mean_seconds": seconds(d.mean), "p90_seconds": seconds(d.p90)}
            for key, d in durations.items()
        },
        "first_time_fix_rate": share(repairs["first_time"], repairs["repairs"]),
        "repeat_repair_rate": share(repairs["repeats"], repairs["repairs"]),
        "csat_average": None if satisfaction.average is None else round(satisfaction.average, 2),
        "csat_response_rate": share(satisfaction.rated, satisfaction.resolved),
    }

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
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DecimalField,
    DurationField,
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
from django.db.models.functions import Coalesce, TruncWeek
from django.utils.translation import gettext as _

from accounts.models import Region
from dashboard.filters import LOCAL, View
from devices.models import DeviceModel
from sla.deadlines import MILESTONES
from sla.models import Escalation, Level, Milestone, SLACheck
from sla.selectors import STATE_LABELS, Compliance, at_risk_open, breached_open, breached_q, milestone_outcome_q
from technicians.models import Assignment, PartUsed, RepairReport, Technician, Visit, active_assignment_q
from tickets.models import OPEN_STATUSES, Feedback, Kind, Status

OUTCOMES = ("on_time", "late", "missed", "pending")
SLA_STATES = ("breached", "at_risk", "paused", "on_track")
LIST_LIMIT = 10

# --- durations ------------------------------------------------------------------------------------


class _PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile: the smallest value with at least `fraction` of the rows
    at or below it (`_percentile_fallback` gives the same answer elsewhere)."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=fraction, **extra)


def _elapsed(met_field: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(met_field) - F("created_at"), output_field=DurationField())


@dataclass(frozen=True)
class Duration:
    key: str
    label: str
    count: int
    mean: datetime.timedelta | None
    p90: datetime.timedelta | None


# What each duration is measured in: minutes stored on the ticket when the milestone was met, on
# the milestone's clock (working time where the policy counts working time: `sla.deadlines`), or for
# downtime the elapsed time from filing to service restored.
DURATION_MINUTES = {"respond": "respond_minutes", "onsite": "onsite_minutes", "resolve": "resolve_minutes"}
DURATION_FIELDS = {
    "respond": "responded_at",
    "onsite": "onsite_at",
    "resolve": "resolved_at",
    "downtime": "restored_at",
}


def _measure(key: str):
    """The value averaged for a duration: stored minutes, or the elapsed interval for downtime."""
    return F(DURATION_MINUTES[key]) if key in DURATION_MINUTES else _elapsed(DURATION_FIELDS[key])


def _as_duration(key: str, value) -> datetime.timedelta | None:
    if value is None or key not in DURATION_MINUTES:
        return value
    return datetime.timedelta(minutes=float(value))


def _percentile_fallback(tickets: QuerySet, key: str, count: int, fraction: float):
    """Nearest rank without `percentile_disc` (SQLite): the row at ceil(fraction × n) in order."""
    if not count:
        return None
    rank = max(math.ceil(fraction * count), 1)
    row = (
        tickets.filter(**{f"{DURATION_FIELDS[key]}__isnull": False})
        .annotate(measured=_measure(key))
        .filter(measured__isnull=False)
        .order_by("measured")
        .values_list("measured", flat=True)[rank - 1 : rank]
    )
    return _as_duration(key, next(iter(row), None))


def _duration_aggregates() -> dict:
    postgres = connection.vendor == "postgresql"
    aggregates = {}
    for key, met in DURATION_FIELDS.items():
        has = Q(**{f"{DURATION_MINUTES.get(key, met)}__isnull": False})
        aggregates[f"{key}_n"] = Count("pk", filter=has)
        aggregates[f"{key}_mean"] = Avg(_measure(key), filter=has)
        if postgres:
            output = DurationField() if key not in DURATION_MINUTES else None
            extra = {"output_field": output} if output else {}
            aggregates[f"{key}_p90"] = _PercentileDisc(_measure(key), 0.9, filter=has, **extra)
    return aggregates


def durations_figure(view: View, row: dict | None = None) -> dict[str, Duration]:
    """Mean and 90th percentile from filing to each milestone met (on the milestone's clock), and to
    service restored. One query on PostgreSQL (none with `row`, the aggregates already read by
    `figures_compute`)."""
    tickets = view.tickets()
    row = row or tickets.aggregate(**_duration_aggregates())
    labels = _duration_labels()
    result = {}
    for key in DURATION_FIELDS:
        count = row[f"{key}_n"]
        p90 = (
            _as_duration(key, row[f"{key}_p90"])
            if f"{key}_p90" in row
            else _percentile_fallback(tickets, key, count, 0.9)
        )
        result[key] = Duration(key, labels[key], count, _as_duration(key, row[f"{key}_mean"]), p90)
    return result


def _duration_labels():
    return {
        "respond": _("Time to respond"),
        "onsite": _("Time to arrive on site"),
        "resolve": _("Time to resolve"),
        "downtime": _("Merchant downtime"),
    }


# --- compliance -----------------------------------------------------------------------------------


def _compliance_aggregates(view: View) -> dict:
    return {
        f"{milestone}_{name}": Count("pk", filter=condition)
        for milestone in Milestone
        for name, condition in milestone_outcome_q(milestone, view.now).items()
    }


def compliance_figure(view: View, row: dict | None = None) -> list[Compliance]:
    """Per milestone, for tickets filed in the period: on time, late, missed, pending. One query
    (none with `row`)."""
    counts = row or view.tickets().aggregate(**_compliance_aggregates(view))
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


def compliance_trend_figure(view: View) -> list[Week]:
    """Compliance per milestone per local week (Monday first) of filing. One query."""
    aggregates = {
        f"{milestone}_{name}": Count("pk", filter=condition)
        for milestone in Milestone
        for name, condition in milestone_outcome_q(milestone, view.now).items()
        if name != "pending"
    }
    rows = (
        view.tickets()
        .annotate(week=TruncWeek("created_at", tzinfo=LOCAL))
        .values("week")
        .annotate(**aggregates)
        .order_by("week")
    )
    return [
        Week(
            starts_on=_as_date(row["week"]),
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
        for row in rows
    ]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.astimezone(LOCAL).date() if value.tzinfo else value.date()
    return value


# --- open tickets now ------------------------------------------------------------------------------


def _at_risk_exists() -> Exists:
    # The at-risk warning has fired and the breach check lies ahead (as `sla.selectors.at_risk_open`).
    return Exists(SLACheck.objects.filter(ticket=OuterRef("pk"), level=Level.BREACHED))


def sla_state_q(state: str, now: datetime.datetime) -> Q:
    """An open ticket's overall SLA state, worst first: breached, at risk, paused, on track."""
    breached = breached_q(now)
    at_risk = Q(_at_risk_exists())
    paused = Q(status=Status.WAITING_MERCHANT)
    return {
        "breached": breached,
        "at_risk": ~breached & at_risk,
        "paused": ~breached & ~at_risk & paused,
        "on_track": ~breached & ~at_risk & ~paused,
    }[state]


@dataclass(frozen=True)
class OpenTickets:
    by_status: list[tuple[str, str, int]]  # status, label, count
    by_state: list[tuple[str, str, int]]

    @property
    def total(self) -> int:
        return sum(count for _status, _label, count in self.by_status)


def open_figure(view: View) -> OpenTickets:
    """Open tickets now, whenever they were filed, by status and by SLA state. One query."""
    aggregates = {f"status_{status}": Count("pk", filter=Q(status=status)) for status in OPEN_STATUSES}
    aggregates.update({f"state_{state}": Count("pk", filter=sla_state_q(state, view.now)) for state in SLA_STATES})
    row = view.scope().filter(status__in=OPEN_STATUSES).aggregate(**aggregates)
    return OpenTickets(
        by_status=[(s.value, str(s.label), row[f"status_{s}"]) for s in OPEN_STATUSES],
        by_state=[(state, str(STATE_LABELS[state]), row[f"state_{state}"]) for state in SLA_STATES],
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


def _region_expression():
    return Coalesce(F("device__region"), F("merchant__region"))


def breaches_by_region_figure(view: View) -> list[tuple[Region | None, int, int]]:
    """Per region (the terminal's, else the merchant's): tickets filed in the period with a breached
    milestone, and all tickets filed. Most breaches first. One query plus the regions."""
    rows = list(
        view.tickets()
        .annotate(region_key=_region_expression())
        .values("region_key")
        .annotate(breached=Count("pk", filter=breached_q(view.now)), filed=Count("pk"))
        .order_by("-breached", "region_key")
    )
    regions = Region.objects.in_bulk([row["region_key"] for row in rows if row["region_key"]])
    return [(regions.get(row["region_key"]), row["breached"], row["filed"]) for row in rows]


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
    in the period. One query; each count is a subquery on an index of assignments (the open ones,
    or those completed), so its cost follows a technician's jobs, not all jobs ever."""
    now = view.now
    mine = Assignment.objects.filter(technician=OuterRef("pk"))
    active = mine.filter(active_assignment_q())
    overdue = active.exclude(ticket__status=Status.WAITING_MERCHANT).filter(
        Q(ticket__onsite_by__lt=now, ticket__onsite_at__isnull=True)
        | Q(ticket__resolve_by__lt=now, ticket__resolved_at__isnull=True)
    )
    completed = mine.filter(completed_at__gte=view.period.since, completed_at__lt=view.period.until)
    technicians = Technician.objects.select_related("user")
    if view.technician is not None:
        technicians = technicians.filter(pk=view.technician.pk)
    if view.region is not None:
        technicians = technicians.filter(regions=view.region)
    technicians = technicians.annotate(
        open_jobs=_count(active), overdue_jobs=_count(overdue), completed=_count(completed)
    ).order_by("-open_jobs", "user__username")
    return [Workload(t, t.open_jobs, t.overdue_jobs, t.completed) for t in technicians]


# --- repairs: first-time fix and repeats -----------------------------------------------------------


def _resolved_repairs(view: View) -> QuerySet:
    return view.tickets().filter(kind=Kind.REPAIR, resolved_at__isnull=False)


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


def _repair_groups(view: View) -> list[dict]:
    """Resolved repairs filed in the period, counted per (device model, firmware, technician of the
    last report): repairs, fixed the first time, back within 30 days. One query over the facts stored
    on each ticket (`tickets.facts`); the groups are few (models × firmware versions × technicians),
    so the totals per dimension are summed from them."""
    return list(
        _resolved_repairs(view)
        .values("device__model", "device__firmware_version", "fixed_by")
        .annotate(
            repairs=Count("pk"),
            first_time=Count("pk", filter=Q(fixed_first_time=True)),
            repeats=Count("pk", filter=Q(came_back=True)),
        )
        .order_by()
    )


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
    groups = _repair_groups(view)
    models = DeviceModel.objects.in_bulk({g["device__model"] for g in groups if g["device__model"]})
    people = Technician.objects.select_related("user").in_bulk({g["fixed_by"] for g in groups if g["fixed_by"]})
    return Repairs(
        resolved=sum(g["repairs"] for g in groups),
        first_time=sum(g["first_time"] for g in groups),
        repeats=sum(g["repeats"] for g in groups),
        by_model=_per(groups, "device__model", lambda pk: str(models[pk]) if pk in models else "—"),
        by_firmware=_per(groups, "device__firmware_version", lambda version: version or "—"),
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


def _satisfaction_aggregates() -> dict:
    return {
        "csat_resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        "csat_rated": Count("feedback"),
        "csat_average": Avg("feedback__rating"),
    }


def satisfaction_figure(view: View, row: dict | None = None) -> Satisfaction:
    """Ratings of tickets filed in the period: average, share of resolved tickets rated, the latest
    comments. Two queries (one with `row`)."""
    row = row or view.tickets().aggregate(**_satisfaction_aggregates())
    comments = (
        Feedback.objects.filter(ticket__in=view.tickets().values("pk"))
        .exclude(comment="")
        .select_related("ticket__merchant")
        .order_by("-created_at", "-pk")[:5]
    )
    return Satisfaction(row["csat_resolved"], row["csat_rated"], row["csat_average"], list(comments))


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


def revenue_figure(view: View) -> Revenue:
    """What merchants were charged for out-of-warranty work on tickets filed in the period."""
    amount = ExpressionWrapper(
        F("labour_charge") + F("parts_charge"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    row = RepairReport.objects.filter(ticket__in=view.tickets().values("pk"), charged=True).aggregate(
        tickets=Count("ticket", distinct=True), amount=Sum(amount)
    )
    return Revenue(row["tickets"], row["amount"] or Decimal("0.00"))


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
    """Every figure of the dashboard for `view`. The counts, times and ratings of the period's
    tickets come from one pass over them; the other groups take a query or two each."""
    row = view.tickets().aggregate(
        filed=Count("pk"), **_compliance_aggregates(view), **_duration_aggregates(), **_satisfaction_aggregates()
    )
    return Figures(
        view=view,
        filed=row["filed"],
        compliance=compliance_figure(view, row),
        trend=compliance_trend_figure(view),
        open=open_figure(view),
        at_risk=list(at_risk_list(view)),
        breaches=list(breaches_list(view)),
        durations=durations_figure(view, row),
        regions=breaches_by_region_figure(view),
        workload=workload_figure(view),
        repairs=repairs_figure(view),
        satisfaction=satisfaction_figure(view, row),
        parts=parts_figure(view),
        revenue=revenue_figure(view),
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
    tickets = view.tickets().annotate(region_key=_region_expression()).filter(breached_q(view.now))
    if arg == "none":
        return tickets.filter(region_key__isnull=True)
    return tickets.filter(region_key=arg) if arg.isdigit() else tickets


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
        return f"{Milestone(milestone).label}: {outcomes[outcome]}"
    if figure == "open":
        return f"{_('Open tickets now')}: {Status(arg).label}" if arg in OPEN_STATUSES else _("Open tickets now")
    if figure == "state":
        return f"{_('Open tickets now')}: {STATE_LABELS[arg]}" if arg in SLA_STATES else _("Open tickets now")
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
    durations = durations_figure(view)
    repairs = _resolved_repairs(view).aggregate(
        resolved=Count("pk"),
        first_time=Count("pk", filter=Q(fixed_first_time=True)),
        repeats=Count("pk", filter=Q(came_back=True)),
    )
    satisfaction = satisfaction_figure(view)

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
            for row in compliance_figure(view)
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
        "filed": view.tickets().count(),
        "open_tickets": opened.total,
        "durations": {
            key: {"count": d.count, "mean_seconds": seconds(d.mean), "p90_seconds": seconds(d.p90)}
            for key, d in durations.items()
        },
        "first_time_fix_rate": share(repairs["first_time"], repairs["resolved"]),
        "repeat_repair_rate": share(repairs["repeats"], repairs["resolved"]),
        "csat_average": None if satisfaction.average is None else round(satisfaction.average, 2),
        "csat_response_rate": share(satisfaction.rated, satisfaction.resolved),
    }

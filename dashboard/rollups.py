"""Daily roll-ups: the dashboard's sums kept per local day, so that a year's view reads a few
thousand rows instead of a million tickets.

`ticket_sums(now)` is every sum the dashboard counts over a set of tickets: tickets filed, how each
milestone turned out, the breached ones, the times to each milestone (count, total, longest and a
histogram), ratings and out-of-warranty revenue. The same expressions serve three ways:

- kept in `DailyRollup` per local day, region, partner, device model and kind (and the repairs in
  `DailyRepairRollup` per firmware and technician as well), for the tickets whose figures no longer
  move with the clock: every status but the four in which the SLA clocks run (a running ticket's
  unmet milestone turns from pending to missed when its deadline passes, with no write at all);
- over the running tickets of the period, read live (few: the last days' tickets and the
  stragglers; `dashboard_running_created` finds them);
- over all the period's tickets, read live, where no roll-up fits: a merchant or technician filter,
  a caller who is neither staff nor a partner, or SQLite (the quick start), which keeps no roll-ups.

A view's figures are the roll-ups' sums plus the live sums of its running tickets: the same numbers
as the live path (tests/dashboard/test_rollups.py holds the two against each other), and a number
and its drill-down list still agree.

What keeps them: PostgreSQL triggers (migration 0002) write the local day of every non-running ticket
that changes (and of tickets whose rating, repair report, terminal or merchant changes) into
`StaleDay`; `rollups_refresh` rebuilds those days. The beat runs it every 30 seconds, and a reader
runs it first too, so a figure is never older than the request that shows it.
"""

import datetime
import functools
import math
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncWeek

from accounts.scoping import is_staff_actor
from dashboard.filters import LOCAL, View, local_midnight
from dashboard.models import (
    ROLLUP_EDGES,
    ROLLUP_MEASURES,
    ROLLUP_MILESTONES,
    ROLLUP_OUTCOMES,
    DailyRepairRollup,
    DailyRollup,
    DailyWorkRollup,
    StaleDay,
    WeeklyRollup,
    rollup_count_names,
)
from sla.selectors import breached_q, milestone_outcome_q
from technicians.models import Assignment, RepairReport
from tickets.models import RUNNING_STATUSES, Feedback, Kind, Ticket

# Days rebuilt per statement: a month of tickets at a time.
REBUILD_DAYS = 31
# The advisory lock that keeps two refreshes from rebuilding the same days at once.
_LOCK = 7_041_115_011

# --- what is summed ------------------------------------------------------------------------------

# The stored minutes of each milestone (on its clock: working time where the policy counts working
# time, `sla.deadlines`), or for downtime the elapsed time from filing to service restored.
MINUTES = {"respond": "respond_minutes", "onsite": "onsite_minutes", "resolve": "resolve_minutes"}
LONGEST = {measure: f"{measure}_longest" for measure in ROLLUP_MEASURES}


def _downtime():
    return ExpressionWrapper(F("restored_at") - F("created_at"), output_field=DurationField())


def _has(measure: str) -> Q:
    return Q(**{f"{MINUTES.get(measure, 'restored_at')}__isnull": False})


def _within(measure: str, minutes: int) -> Q:
    if measure in MINUTES:
        return Q(**{f"{MINUTES[measure]}__lte": minutes})
    return Q(restored_at__lte=F("created_at") + datetime.timedelta(minutes=minutes))


def _charged_amount() -> Subquery:
    """What the ticket's out-of-warranty repair reports charged (None when nothing was)."""
    amount = ExpressionWrapper(
        F("labour_charge") + F("parts_charge"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    return Subquery(
        RepairReport.objects.filter(ticket=OuterRef("pk"), charged=True)
        .order_by()
        .values("ticket")
        .annotate(amount=Sum(amount))
        .values("amount")[:1]
    )


def _feedback(column: str) -> Subquery:
    return Subquery(Feedback.objects.filter(ticket=OuterRef("pk")).values(column)[:1])


def _prepared(tickets: QuerySet) -> QuerySet:
    """Tickets with what their repair reports charged and their rating (scalar subqueries on the
    ticket's index: a join would read every rating for a few thousand running tickets)."""
    return tickets.annotate(charge=_charged_amount(), rating=_feedback("rating"), comment=_feedback("comment"))


def ticket_sums(now: datetime.datetime) -> dict:
    """Every sum of the dashboard over a set of tickets (`_prepared` first), by the roll-up's column
    names. The compliance counts follow the SLA engine's rules (`sla.selectors.milestone_outcome_q`)."""
    sums = {"filed": Count("pk"), "breached": Count("pk", filter=breached_q(now))}
    for milestone in ROLLUP_MILESTONES:
        for outcome, condition in milestone_outcome_q(milestone, now).items():
            sums[f"{milestone}_{outcome}"] = Count("pk", filter=condition)
    for measure in ROLLUP_MEASURES:
        sums[f"{measure}_n"] = Count("pk", filter=_has(measure))
        for edge in ROLLUP_EDGES:
            sums[f"{measure}_within_{edge}"] = Count("pk", filter=_has(measure) & _within(measure, edge))
    for measure, column in MINUTES.items():
        sums[f"{measure}_total"] = Sum(column)
        sums[LONGEST[measure]] = Max(column)
    sums["downtime_total"] = Sum(_downtime())
    sums["downtime_longest"] = Max(_downtime())
    sums.update(
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        rated=Count("pk", filter=Q(rating__isnull=False)),
        rating_sum=Sum("rating"),
        commented=Count("pk", filter=Q(comment__gt="")),
        charged=Count("pk", filter=Q(charge__isnull=False)),
        charged_amount=Sum("charge"),
    )
    return sums


def repair_sums() -> dict:
    """The repair figures' sums over resolved repairs (facts stored on the ticket: `tickets.facts`)."""
    return {
        "repairs": Count("pk"),
        "first_time": Count("pk", filter=Q(fixed_first_time=True)),
        "repeats": Count("pk", filter=Q(came_back=True)),
    }


def resolved_repairs(tickets: QuerySet) -> QuerySet:
    return tickets.filter(kind=Kind.REPAIR, resolved_at__isnull=False)


def _region():
    """Where the job is: the terminal's region, else the merchant's, stored on the ticket
    (`tickets.regions`), as the console and `View.scope` read it."""
    return F("region")


_LONGEST = frozenset(LONGEST.values())


def _combine(sums: dict, more: dict) -> dict:
    """Two sets of sums as one: added, and the longest times the longer (None: nothing to add)."""
    combined = dict(sums)
    for name, value in more.items():
        if value is None:
            combined.setdefault(name, None)
            continue
        current = combined.get(name)
        if current is None:
            combined[name] = value
        else:
            combined[name] = max(current, value) if name in _LONGEST else current + value
    return combined


_ZEROS = {
    **{name: 0 for name in rollup_count_names()},
    **{f"{measure}_total": 0 for measure in MINUTES},
    "repairs": 0,
    "first_time": 0,
    "repeats": 0,
    "charged_amount": Decimal("0.00"),
}


def _add_up(rows, names) -> dict:
    """Many sets of sums as one (as `_combine`, column by column)."""
    rows = list(rows)
    total = {}
    for name in names:
        values = [value for row in rows if (value := row.get(name)) is not None]
        total[name] = (max(values) if name in _LONGEST else sum(values[1:], values[0])) if values else None
    return total


def _zero_counts(sums: dict) -> dict:
    """Sums over no rows read as 0, not None (a SUM over no tickets or no roll-ups)."""
    return {name: (_ZEROS.get(name) if value is None else value) for name, value in sums.items()}


# --- which views read the roll-ups ----------------------------------------------------------------


def rollups_kept() -> bool:
    """Roll-ups are kept on PostgreSQL (its triggers mark the stale days); SQLite reads live."""
    return connection.vendor == "postgresql"


def rollups_serve(view: View) -> bool:
    """Whether `view` can be read from the roll-ups: no merchant or technician filter (the roll-ups
    are not kept per merchant or technician), and a caller who sees every ticket or one partner's."""
    if not rollups_kept() or view.merchant is not None or view.technician is not None:
        return False
    return is_staff_actor(view.actor) or getattr(view.actor, "role", None) == "partner"


def _rollup_rows(view: View, model, **period) -> QuerySet:
    """The roll-up rows of `model` through the view's filters, over `period` (lookups on `day` or
    `week`; by default the view's days)."""
    rows = model.objects.filter(**(period or {"day__gte": view.period.first, "day__lte": view.period.last}))
    if view.region is not None:
        rows = rows.filter(region=view.region)
    if view.partner is not None:
        rows = rows.filter(partner=view.partner)
    if not is_staff_actor(view.actor):
        rows = rows.filter(partner=view.actor.partner_id)  # a partner's own merchants (`visible_to`)
    if view.device_model is not None:
        rows = rows.filter(model=view.device_model)
    if view.kind and model is not DailyRepairRollup:
        rows = rows.filter(kind=view.kind)
    elif view.kind and view.kind != Kind.REPAIR:
        rows = rows.none()  # the repair roll-ups hold repairs only
    return rows


def _rollup_aggregates(names) -> dict:
    """The roll-up columns `names` summed over their rows (the longest times: the longest)."""
    return {name: Max(name) if name.endswith("_longest") else Sum(name) for name in names}


def _running(view: View) -> QuerySet:
    return view.tickets().filter(status__in=RUNNING_STATUSES)


# --- reading -----------------------------------------------------------------------------------------


# The sums of a ticket's rating and of what its repair reports charged: read live from the ratings'
# and reports' side (`_aside_sums`), not with a subquery per ticket.
ASIDE = ("rated", "rating_sum", "commented", "charged", "charged_amount")


def _plain(names) -> list[str]:
    """The sums one pass over the tickets reads: neither histograms nor ratings and charges."""
    return [name for name in names if "_within_" not in name and name not in ASIDE]


def _aside_sums(tickets: QuerySet, names) -> dict:
    ids = tickets.order_by().values("pk")
    result = {}
    if {"rated", "rating_sum", "commented"} & set(names):
        result.update(
            Feedback.objects.filter(ticket__in=ids).aggregate(
                rated=Count("pk"), rating_sum=Sum("rating"), commented=Count("pk", filter=Q(comment__gt=""))
            )
        )
    if {"charged", "charged_amount"} & set(names):
        amount = ExpressionWrapper(
            F("labour_charge") + F("parts_charge"), output_field=DecimalField(max_digits=14, decimal_places=2)
        )
        result.update(
            RepairReport.objects.filter(ticket__in=ids, charged=True).aggregate(
                charged=Count("ticket", distinct=True), charged_amount=Sum(amount)
            )
        )
    return {name: result[name] for name in names if name in result}


def live_sums(tickets: QuerySet, now: datetime.datetime, names=None) -> dict:
    """`ticket_sums` over tickets read live: one pass for most sums, one grouped by the step each
    time falls in for the histograms (cheaper than a count per step over every ticket), and the
    ratings and charges from their own tables (cheaper than a subquery per ticket)."""
    sums = ticket_sums(now)
    names = list(sums) if names is None else names
    plain = {name: sums[name] for name in _plain(names)}
    result = tickets.aggregate(**plain) if plain else {}
    result.update(_aside_sums(tickets, names))
    measures = [m for m in ROLLUP_MEASURES if any(name.startswith(f"{m}_within_") for name in names)]
    if measures:
        histograms = _histograms(tickets, measures)
        result.update({name: histograms[name] for name in names if "_within_" in name})
    return _zero_counts(result)


@functools.cache
def _step(measure: str) -> Case:
    """The index in `ROLLUP_EDGES` of the first step a ticket's time falls within (None without it)."""
    # A missing time compares as unknown, so it falls through every step to the last When.
    steps = [When(_within(measure, edge), then=Value(i)) for i, edge in enumerate(ROLLUP_EDGES)]
    return Case(*steps, When(_has(measure), then=Value(len(ROLLUP_EDGES))), default=None)


def _histograms(tickets: QuerySet, measures) -> dict:
    groups = tickets.values(**{f"step_{m}": _step(m) for m in measures}).annotate(n=Count("pk")).order_by()
    counts = {measure: [0] * (len(ROLLUP_EDGES) + 1) for measure in measures}
    for group in groups:  # one row per combination of steps: a few dozen, whatever the tickets
        for measure in measures:
            if group[f"step_{measure}"] is not None:
                counts[measure][group[f"step_{measure}"]] += group["n"]
    return {
        f"{measure}_within_{edge}": sum(counts[measure][: i + 1])
        for measure in measures
        for i, edge in enumerate(ROLLUP_EDGES)
    }


def period_sums(view: View, names=None) -> dict:
    """The sums (`ticket_sums`) over the view's tickets, all of them or only `names`."""
    names = list(ticket_sums(view.now)) if names is None else names
    if not rollups_serve(view):
        return live_sums(view.tickets(), view.now, names)
    rollups_refresh()
    kept: dict = {}
    for rows, _week in _kept_parts(view):
        kept = _combine(kept, rows.aggregate(**_rollup_aggregates(names)))
    return _zero_counts(_combine(kept, live_sums(_running(view), view.now, names)))


def _kept_parts(view: View) -> list[tuple[QuerySet, object]]:
    """The roll-up rows of the view's period, each part with its week's expression: the whole
    weeks inside the period from `WeeklyRollup`, the days before the first and after the last of
    them from `DailyRollup`."""
    first, last = view.period.first, view.period.last
    monday = first + datetime.timedelta(days=-first.weekday() % 7)  # the first whole week's
    sunday = last - datetime.timedelta(days=(last.weekday() + 1) % 7)  # the last whole week's end
    if sunday < monday:
        return [(_rollup_rows(view, DailyRollup), TruncWeek("day"))]
    parts = [(_rollup_rows(view, WeeklyRollup, week__gte=monday, week__lte=sunday), F("week"))]
    edges = Q(day__gte=first, day__lt=monday) | Q(day__gt=sunday, day__lte=last)
    if monday > first or sunday < last:
        parts.append((_rollup_rows(view, DailyRollup).filter(edges), TruncWeek("day")))
    return parts


_KEYS = {
    "week": TruncWeek("created_at", tzinfo=LOCAL),
    "region": F("region"),
}


def _sums_grouped(view: View, keys: list[str], names) -> dict:
    """The sums `names` per combination of `keys` (see `period_sums_by`); the histograms, ratings
    and charges from the roll-ups' part only, so callers add `live_sums` of those for a total."""
    every = ticket_sums(view.now)
    live = {name: every[name] for name in _plain(names)}
    served = rollups_serve(view)
    if served:
        rollups_refresh()
    groups: dict = {}
    tickets = _running(view) if served else view.tickets()
    live_rows = tickets.values(**{f"g_{key}": _KEYS[key] for key in keys}).annotate(**live).order_by()
    for row in live_rows:
        groups[tuple(_as_date(row.pop(f"g_{key}")) for key in keys)] = row
    for rows, week in _kept_parts(view) if served else []:
        kept = rows.values(**{f"g_{key}": week if key == "week" else F(key) for key in keys})
        for row in kept.annotate(**_rollup_aggregates(names)).order_by():
            group = tuple(_as_date(row.pop(f"g_{key}")) for key in keys)
            groups[group] = _combine(groups.get(group, {}), row)
    return groups


def period_sums_by(view: View, key: str, names) -> dict:
    """`period_sums` per local week of filing (`key="week"`, Monday first, by its first day) or per
    region (`key="region"`, a region id or None). Not the histograms, ratings or charges:
    `period_sums_split` gives them for the whole period."""
    names = _plain(names)
    return {group: _zero_counts(row) for (group,), row in _sums_grouped(view, [key], names).items()}


# What the weekly trend and the regions' breaches read of each group.
WEEK_NAMES = [f"{m}_{outcome}" for m in ROLLUP_MILESTONES for outcome in ROLLUP_OUTCOMES if outcome != "pending"]
REGION_NAMES = ["breached", "filed"]


def period_sums_split(view: View) -> tuple[dict, dict, dict]:
    """Every sum of the view in total, and per local week (`WEEK_NAMES`) and per region
    (`REGION_NAMES`) as `period_sums_by` gives them, read at once: one pass over the roll-ups and
    one over the running tickets, grouped by week and region (a few hundred groups, added up here),
    and the running tickets' histograms."""
    names = list(ticket_sums(view.now))
    groups = _sums_grouped(view, ["week", "region"], names)
    total = _add_up(groups.values(), names)
    weeks: dict = {}
    regions: dict = {}
    for (week, region), row in groups.items():
        weeks.setdefault(week, []).append(row)
        regions.setdefault(region, []).append(row)
    weeks = {week: _add_up(rows, WEEK_NAMES) for week, rows in weeks.items()}
    regions = {region: _add_up(rows, REGION_NAMES) for region, rows in regions.items()}
    aside = [name for name in names if name not in _plain(names)]
    running = _running(view) if rollups_serve(view) else view.tickets()
    total = _combine({name: total.get(name) for name in names}, live_sums(running, view.now, aside))
    weeks = {week: _zero_counts(row) for week, row in weeks.items()}
    return _zero_counts(total), weeks, {region: _zero_counts(row) for region, row in regions.items()}


def repair_groups(view: View) -> list[dict]:
    """Resolved repairs of the view per (device model, firmware, technician who fixed them):
    repairs, fixed the first time, back within 30 days."""
    dims = {"model": F("device__model"), "firmware": Coalesce(F("device__firmware_version"), Value(""))}
    served = rollups_serve(view)
    if served:
        rollups_refresh()
    live = resolved_repairs(_running(view) if served else view.tickets())
    groups: dict = {}
    for row in live.values("fixed_by", **dims).annotate(**repair_sums()).order_by():
        groups[(row["model"], row["firmware"], row["fixed_by"])] = row
    if served:
        kept = _rollup_rows(view, DailyRepairRollup).values("model", "firmware", "fixed_by")
        for row in kept.annotate(**_rollup_aggregates(repair_sums())).order_by():
            key = (row["model"], row["firmware"], row["fixed_by"])
            groups[key] = _combine(groups.get(key, {}), row)
    return [_zero_counts(row) for row in groups.values()]


def completed_jobs(view: View):
    """Jobs each technician (the outer row) completed in the view's period, from the roll-ups: an
    expression for `Technician` querysets (0 without any)."""
    rollups_refresh()
    completed = (
        DailyWorkRollup.objects.filter(technician=OuterRef("pk"), day__gte=view.period.first, day__lte=view.period.last)
        .order_by()
        .values("technician")
        .annotate(n=Sum("completed"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(completed), Value(0))


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(LOCAL).date() if value.tzinfo else value.date()
    return value


def p90_of(sums: dict, measure: str):
    """The 90th percentile of a time from its histogram: the first edge within which nine tickets
    in ten (nearest rank) fall, or the longest time seen when that is shorter. None with no times."""
    count = sums.get(f"{measure}_n") or 0
    if not count:
        return None
    longest = sums.get(LONGEST[measure])
    if measure in MINUTES and longest is not None:
        longest = datetime.timedelta(minutes=longest)
    rank = max(math.ceil(0.9 * count), 1)
    for edge in ROLLUP_EDGES:
        if (sums.get(f"{measure}_within_{edge}") or 0) >= rank:
            within = datetime.timedelta(minutes=edge)
            return within if longest is None else min(within, longest)
    return longest


def mean_of(sums: dict, measure: str):
    count = sums.get(f"{measure}_n") or 0
    if not count:
        return None
    total = sums.get(f"{measure}_total")
    if measure in MINUTES:
        return datetime.timedelta(minutes=(total or 0) / count)
    return (total or datetime.timedelta(0)) / count


# --- keeping them ------------------------------------------------------------------------------------


def rollups_refresh() -> int:
    """Rebuild the roll-ups of every day a write has marked stale; returns the days rebuilt.

    One refresh at a time (an advisory lock): a second caller waits for the first and then finds
    little left. A day marked while a refresh runs keeps its mark for the next one, so nothing is
    missed: the marks taken are those committed when the refresh began, and the rebuild reads what
    is committed after."""
    if not rollups_kept() or not StaleDay.objects.exists():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cursor.execute("DELETE FROM dashboard_staleday RETURNING day")
        days = sorted({day for (day,) in cursor.fetchall()})
        for start in range(0, len(days), REBUILD_DAYS):
            _rebuild(days[start : start + REBUILD_DAYS])
    return len(days)


def rollups_rebuild() -> int:
    """Mark every day that has tickets stale, then refresh: the roll-ups built again from scratch."""
    if not rollups_kept():
        return 0
    filed = Ticket.objects.values_list(TruncDate("created_at", tzinfo=LOCAL), flat=True)
    completed = Assignment.objects.filter(completed_at__isnull=False).values_list(
        TruncDate("completed_at", tzinfo=LOCAL), flat=True
    )
    days = set(filed.distinct().order_by()) | set(completed.distinct().order_by())
    StaleDay.objects.bulk_create([StaleDay(day=day) for day in days])
    return rollups_refresh()


def _on_days(days: list[datetime.date], field: str = "created_at") -> Q:
    """Rows whose `field` falls on these local days: one range per run of consecutive days."""
    condition, start, previous = Q(pk__in=[]), None, None
    for day in [*days, None]:
        if start is not None and (day is None or day != previous + datetime.timedelta(days=1)):
            until = local_midnight(previous + datetime.timedelta(days=1))
            condition |= Q(**{f"{field}__gte": local_midnight(start), f"{field}__lt": until})
            start = None
        if day is not None and start is None:
            start = day
        previous = day
    return condition


def _rebuild(days: list[datetime.date]) -> None:
    settled = Ticket.objects.filter(_on_days(days)).exclude(status__in=RUNNING_STATUSES)
    dims = {
        "rollup_day": TruncDate("created_at", tzinfo=LOCAL),
        "rollup_region": _region(),
        "rollup_partner": F("merchant__partner"),
        "rollup_model": F("device__model"),
    }
    DailyRollup.objects.filter(day__in=days).delete()
    DailyRepairRollup.objects.filter(day__in=days).delete()
    # The sums do not depend on the clock for these tickets, so any `now` gives the same rows.
    now = datetime.datetime.now(tz=datetime.UTC)
    rows = _prepared(settled).values("kind", **dims).annotate(**ticket_sums(now)).order_by()
    DailyRollup.objects.bulk_create([DailyRollup(**_columns(DailyRollup, row)) for row in rows], batch_size=1000)
    repairs = (
        resolved_repairs(settled)
        .values("fixed_by", firmware=Coalesce(F("device__firmware_version"), Value("")), **dims)
        .annotate(**repair_sums())
        .order_by()
    )
    DailyRepairRollup.objects.bulk_create(
        [DailyRepairRollup(**_columns(DailyRepairRollup, row)) for row in repairs], batch_size=1000
    )
    _weeks_rebuild(sorted({day - datetime.timedelta(days=day.weekday()) for day in days}))
    DailyWorkRollup.objects.filter(day__in=days).delete()
    work = (
        Assignment.objects.filter(_on_days(days, "completed_at"))
        .values("technician", rollup_day=TruncDate("completed_at", tzinfo=LOCAL))
        .annotate(completed=Count("pk"))
        .order_by()
    )
    DailyWorkRollup.objects.bulk_create(
        [DailyWorkRollup(day=r["rollup_day"], technician_id=r["technician"], completed=r["completed"]) for r in work],
        batch_size=1000,
    )


def _weeks_rebuild(weeks: list[datetime.date]) -> None:
    """The weekly sums of these weeks (their Mondays) added up again from the daily rows."""
    WeeklyRollup.objects.filter(week__in=weeks).delete()
    sums = [
        field.name
        for field in WeeklyRollup._meta.concrete_fields
        if field.name not in ("id", "week", "region", "partner", "model", "kind")
    ]
    condition = Q(pk__in=[])
    for monday in weeks:
        condition |= Q(day__gte=monday, day__lte=monday + datetime.timedelta(days=6))
    rows = (
        DailyRollup.objects.filter(condition)
        .values("region", "partner", "model", "kind", rollup_week=TruncWeek("day"))
        .annotate(**_rollup_aggregates(sums))
        .order_by()
    )
    WeeklyRollup.objects.bulk_create(
        [
            WeeklyRollup(
                week=_as_date(row.pop("rollup_week")),
                region_id=row.pop("region"),
                partner_id=row.pop("partner"),
                model_id=row.pop("model"),
                **row,
            )
            for row in rows
        ],
        batch_size=1000,
    )


def _columns(model, row: dict) -> dict:
    """A grouped row as the roll-up's fields; a sum over nothing (None) stored as the field's default."""
    columns = {}
    for name, value in row.items():
        if name.startswith("rollup_"):
            name = name.removeprefix("rollup_")
            name = name if name == "day" else f"{name}_id"
        elif name == "fixed_by":
            name = "fixed_by_id"
        if value is None and not model._meta.get_field(name).null:
            value = model._meta.get_field(name).get_default()
        columns[name] = value
    return columns

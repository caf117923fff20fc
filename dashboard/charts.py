"""Chart data: the figures in the shape the page's charts draw (`static/js/dashboard.js`).

The page embeds them with `json_script` and draws them with ECharts; the same data is served per
chart at `/dashboard/charts/<name>.json` for anything that wants one chart alone. Every label is
already in the reader's language; numbers stay numbers (a share is a percentage with one decimal,
null for a week with nothing decided).
"""

from django.utils.translation import gettext as _

from dashboard import figures
from dashboard.filters import View
from sla.models import Milestone


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def trend_chart(weeks: list[figures.Week]) -> dict:
    return {
        "title": _("Compliance per week"),
        "unit": "%",
        "labels": [week.starts_on.isoformat() for week in weeks],
        "series": [
            {"name": str(Milestone(milestone).label), "data": [_percent(w.milestones[milestone].rate) for w in weeks]}
            for milestone in Milestone
        ],
        "kind": "line",
    }


def regions_chart(rows) -> dict:
    return {
        "title": _("Breaches by region"),
        "labels": [region.label if region else _("No region") for region, _breached, _filed in rows],
        "series": [{"name": _("Tickets with a breach"), "data": [breached for _region, breached, _filed in rows]}],
        "kind": "bar",
    }


def workload_chart(rows: list[figures.Workload]) -> dict:
    return {
        "title": _("Workload per technician"),
        "labels": [str(row.technician) for row in rows],
        "series": [
            {"name": _("Open jobs"), "data": [row.open_jobs for row in rows]},
            {"name": _("Overdue"), "data": [row.overdue_jobs for row in rows]},
            {"name": _("Capacity"), "data": [row.technician.capacity for row in rows]},
        ],
        "kind": "bar",
    }


def repeats_chart(rows: list[figures.RepeatRow]) -> dict:
    return {
        "title": _("Repeat repairs per technician"),
        "labels": [row.label for row in rows],
        "series": [
            {"name": _("Repairs"), "data": [row.repairs for row in rows]},
            {"name": _("Back within 30 days"), "data": [row.repeats for row in rows]},
        ],
        "kind": "bar",
    }


def charts_of(result: figures.Figures) -> dict[str, dict]:
    """Every chart of the page, from figures already computed."""
    return {
        "trend": trend_chart(result.trend),
        "regions": regions_chart(result.regions),
        "workload": workload_chart(result.workload),
        "repeats": repeats_chart(result.repairs.by_technician),
    }


# One chart alone: computes only the figure it draws.
CHARTS = {
    "trend": lambda view: trend_chart(figures.compliance_trend_figure(view)),
    "regions": lambda view: regions_chart(figures.breaches_by_region_figure(view)),
    "workload": lambda view: workload_chart(figures.workload_figure(view)),
    "repeats": lambda view: repeats_chart(figures.repeats_by_technician_figure(view)),
}


def chart_data(view: View, name: str) -> dict | None:
    build = CHARTS.get(name)
    return None if build is None else build(view)

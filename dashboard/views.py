"""The manager's dashboard: the figures page, the tickets behind each number, one chart's data, and
the CSV of a view's tickets. Managers and admins only; dispatchers work from the console."""

import csv
import datetime
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import is_manager_actor
from dashboard import charts, figures
from dashboard.filters import PRESET_CHOICES, InvalidView, Preset, View, ViewForm
from possystem.formats import local_minute
from sla import selectors as sla_selectors
from sla.deadlines import ClockBook
from sla.models import Milestone
from tickets.selectors import with_console_rows

PAGE_SIZE = 25


def manager_required(view):
    """Managers and admins; everyone else, dispatchers included, is refused."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_manager_actor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _invalid(request, error: InvalidView):
    """A view the query string cannot describe: the filters again, with what is wrong, as a 400."""
    return render(
        request,
        "dashboard/invalid.html",
        {"form": error.form, "problems": error.messages},
        status=400,
    )


@require_GET
@manager_required
def dashboard(request):
    try:
        view = View.from_query(request.GET, actor=request.user)
    except InvalidView as error:
        return _invalid(request, error)
    result = figures.figures_compute(view)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "view": view,
            "form": ViewForm(request.GET, actor=request.user),
            "presets": PRESET_CHOICES,
            "custom": Preset.CUSTOM,
            "f": result,
            "charts": charts.charts_of(result),
            "counts": sla_selectors.open_escalation_counts(),
        },
    )


@require_GET
@manager_required
def drill(request):
    """The tickets behind one number of the dashboard, as rows of the console."""
    try:
        view = View.from_query(request.GET, actor=request.user)
    except InvalidView as error:
        return _invalid(request, error)
    figure, arg = request.GET.get("figure", "filed"), request.GET.get("arg", "")[:64]
    tickets = figures.drill_tickets(view, figure, arg)
    if tickets is None:
        raise Http404(_("The dashboard has no such figure."))
    page = Paginator(with_console_rows(tickets).order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dashboard/tickets.html",
        {
            "view": view,
            "page": page,
            "figure": figure,
            "title": figures.drill_title(figure, arg),
            "now": timezone.now(),
        },
    )


@require_GET
@manager_required
def chart(request, name: str):
    """One chart's data as JSON, for the view in the query string."""
    try:
        view = View.from_query(request.GET, actor=request.user)
    except InvalidView as error:
        return JsonResponse({"errors": error.form.errors.get_json_data()}, status=400)
    data = charts.chart_data(view, name)
    if data is None:
        raise Http404(_("The dashboard has no such chart."))
    return JsonResponse(data)


class _Echo:
    def write(self, value):
        return value


# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return local_minute(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@require_GET
@manager_required
def export(request):
    """The view's tickets (filed in the period, through the filters) with each milestone's
    deadline, when it was met and its state; streamed, so a year's tickets never sit in memory."""
    try:
        view = View.from_query(request.GET, actor=request.user)
    except InvalidView as error:
        return _invalid(request, error)
    header = [_("Ticket"), _("Merchant"), _("Kind"), _("Priority"), _("Status"), _("Filed at")]
    for milestone in Milestone:
        header += [
            _("%(milestone)s deadline") % {"milestone": milestone.label},
            _("%(milestone)s met at") % {"milestone": milestone.label},
            _("%(milestone)s state") % {"milestone": milestone.label},
        ]
    header.append(_("Escalations"))
    tickets = sla_selectors.tickets_for_export(since=view.period.since, until=view.period.until).filter(
        pk__in=view.tickets().values("pk")
    )

    def rows():
        clocks = ClockBook()
        now = timezone.now()
        yield header
        for ticket in tickets.iterator(chunk_size=1000):
            status = {
                m.milestone: m
                for m in sla_selectors.ticket_sla_status(ticket=ticket, now=now, clocks=clocks).milestones
            }
            row = [
                ticket.number,
                ticket.merchant.name,
                ticket.get_kind_display(),
                ticket.get_priority_display(),
                ticket.get_status_display(),
                ticket.created_at,
            ]
            for milestone in Milestone:
                entry = status.get(milestone)
                row += [entry.deadline, entry.met_at, entry.state_label] if entry else ["", "", ""]
            row.append(ticket.escalation_count)
            yield [_cell(value) for value in row]

    writer = csv.writer(_Echo())
    # A byte-order mark so spreadsheet programs read the Chinese names as UTF-8.
    stream = (("\ufeff" if index == 0 else "") + writer.writerow(row) for index, row in enumerate(rows()))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    filename = f"tickets-{view.period.first:%Y%m%d}-{view.period.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

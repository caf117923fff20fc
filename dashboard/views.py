"""The manager's dashboard: the figures page, the tickets behind each number, one chart's data, and
the CSV or Excel file of a view's tickets. Managers and admins only; dispatchers work from the console."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import is_manager_actor
from dashboard import charts, exports, figures
from dashboard.filters import PRESET_CHOICES, InvalidView, Preset, View, ViewForm, merchant_suggestions
from sla import selectors as sla_selectors
from tickets.selectors import with_console_rows

PAGE_SIZE = 25
# Figures of tickets open now, whenever filed (figures.DRILLS): the period does not narrow them.
_OPEN_NOW = ("open", "state")


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
        {
            "form": error.form,
            "problems": error.messages,
            "merchants": merchant_suggestions(actor=request.user),
        },
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
            "merchants": merchant_suggestions(actor=request.user, region=view.region, partner=view.partner),
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
    figure, arg, tickets = _figure_tickets(request, view)
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
            "arg": arg,
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


def _figure_tickets(request, view: View):
    """The number the query string points at (`figure`, `arg`; every ticket of the view by
    default) and the tickets behind it; an unknown figure is a 404."""
    figure, arg = request.GET.get("figure", "filed"), request.GET.get("arg", "")[:64]
    tickets = figures.drill_tickets(view, figure, arg)
    if tickets is None:
        raise Http404(_("The dashboard has no such figure."))
    return figure, arg, tickets


@require_GET
@manager_required
def export(request, fmt: str):
    """The tickets of the view (or of one figure of it) as CSV or Excel: the file itself for a small
    range, a background job and its progress page for a large one (`exports.export_response`)."""
    try:
        view = View.from_query(request.GET, actor=request.user)
    except InvalidView as error:
        return _invalid(request, error)
    figure, arg, tickets = _figure_tickets(request, view)
    filed = _("Tickets filed %(since)s to %(until)s") % {
        "since": view.period.first.isoformat(),
        "until": view.period.last.isoformat(),
    }
    if figure == "filed":
        title = filed
    elif figure in _OPEN_NOW:
        title = figures.drill_title(figure, arg)
    else:
        title = f"{figures.drill_title(figure, arg)} · {filed}"
    return exports.export_response(tickets=tickets, user=request.user, title=title, fmt=fmt)

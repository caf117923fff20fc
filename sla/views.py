"""SLA pages for staff: the escalations inbox, the manager dashboard and its CSV export."""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.scoping import is_staff_actor
from possystem.errors import DomainError
from possystem.spreadsheet import csv_response
from sla import selectors, services
from sla.deadlines import ClockBook
from sla.models import Escalation, Level, Milestone
from sla.text import duration_text

PERIODS = (7, 30, 90)


def staff_required(view):
    """Dispatchers, managers and admins only; everyone else is refused."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_staff_actor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _period(request) -> tuple[int, datetime.datetime, datetime.datetime]:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    until = timezone.now()
    return days, until - datetime.timedelta(days=days), until


@require_GET
@staff_required
def escalation_list(request):
    acknowledged = request.GET.get("tab") == "acknowledged"
    level, milestone = request.GET.get("level", ""), request.GET.get("milestone", "")
    escalations = selectors.escalation_list(
        actor=request.user, acknowledged=acknowledged, level=level, milestone=milestone
    )
    page = Paginator(escalations, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "sla/escalations.html",
        {
            "page": page,
            "rows": [(e, _lateness_text(e, now)) for e in page],
            "tab": "acknowledged" if acknowledged else "open",
            "level": level,
            "milestone": milestone,
            "levels": Level.choices,
            "milestones": Milestone.choices,
            "counts": selectors.open_escalation_counts(),
        },
    )


def _lateness_text(escalation: Escalation, now) -> str:
    if escalation.level == Level.AT_RISK:
        return _("%(left)s left when raised") % {"left": duration_text(escalation.deadline - escalation.fired_at)}
    return _("%(late)s late when raised") % {"late": duration_text(escalation.fired_at - escalation.deadline)}


@require_POST
@staff_required
def escalation_acknowledge(request, pk: int):
    try:
        escalation = selectors.escalation_get(actor=request.user, pk=pk)
    except Escalation.DoesNotExist as error:
        raise Http404 from error
    try:
        services.escalation_acknowledge(escalation=escalation, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Escalation of %(number)s acknowledged.") % {"number": escalation.ticket.number})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("sla:escalations")


@require_GET
@staff_required
def dashboard(request):
    days, since, until = _period(request)
    return render(
        request,
        "sla/dashboard.html",
        {
            "days": days,
            "periods": PERIODS,
            "since": since,
            "compliance": selectors.sla_compliance(since=since, until=until),
            "counts": selectors.open_escalation_counts(),
            "breaches": selectors.breached_open(),
            "at_risk": selectors.at_risk_open(),
            "workload": selectors.technician_workload(since=since),
        },
    )


@require_GET
@staff_required
def dashboard_export(request):
    """Tickets filed in the period with each milestone's deadline, when it was met and its state."""
    _days, since, until = _period(request)
    header = [_("Ticket"), _("Merchant"), _("Kind"), _("Priority"), _("Status"), _("Filed at")]
    for milestone in Milestone:
        header += [
            _("%(milestone)s deadline") % {"milestone": milestone.label},
            _("%(milestone)s met at") % {"milestone": milestone.label},
            _("%(milestone)s state") % {"milestone": milestone.label},
        ]
    header.append(_("Escalations"))

    def rows():
        clocks = ClockBook()
        now = timezone.now()
        yield header
        for ticket in selectors.tickets_for_export(since=since, until=until).iterator(chunk_size=1000):
            status = {
                m.milestone: m for m in selectors.ticket_sla_status(ticket=ticket, now=now, clocks=clocks).milestones
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
            yield row

    filename = f"sla-{timezone.localdate(since):%Y%m%d}-{timezone.localdate(until):%Y%m%d}.csv"
    return csv_response(rows(), filename=filename)

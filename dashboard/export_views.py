"""Pages of the exports: the requester's list with a form for a period's tickets, a job's progress,
its download. Managers and admins only; each export is its requester's alone (another's is a 404).

The dashboard's own views export what they show by calling `dashboard.exports.export_response`
with their filtered queryset; the form here exports the tickets filed in a range of days.
"""

import datetime
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dashboard import exports
from dashboard.models import Export

# Three years: the span the dashboard covers.
MAX_DAYS = 3 * 366


def manager_required(view):
    """Managers and admins only; dispatchers and everyone else are refused (403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not exports.export_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class PeriodExportForm(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=gettext_lazy("To (included)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=Export.Format.choices, initial="xlsx")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The last day comes after the first."))
            elif (until - since).days >= MAX_DAYS:
                self.add_error("since", _("Choose at most three years."))
        return data


def _initial():
    today = timezone.localdate()
    return {"since": today - datetime.timedelta(days=29), "until": today, "format": Export.Format.XLSX}


@require_GET
@manager_required
def export_list(request):
    return render(
        request,
        "dashboard/exports/list.html",
        {"form": PeriodExportForm(initial=_initial()), "exports": exports.exports_of(user=request.user)},
    )


@require_POST
@manager_required
def export_new(request):
    form = PeriodExportForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "exports": exports.exports_of(user=request.user)}
        return render(request, "dashboard/exports/list.html", context, status=400)
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    tickets = exports.tickets_filed(user=request.user, since=since, until=until)
    title = _("Tickets filed %(since)s to %(until)s") % {"since": since.isoformat(), "until": until.isoformat()}
    return exports.export_response(tickets=tickets, user=request.user, title=title, fmt=form.cleaned_data["format"])


def _own(request, pk: int) -> Export:
    try:
        return exports.export_get(user=request.user, pk=pk)
    except Export.DoesNotExist as error:
        raise Http404 from error


@require_GET
@manager_required
def export_detail(request, pk: int):
    export = _own(request, pk)
    return render(request, "dashboard/exports/detail.html", {"export": export})


@require_GET
@manager_required
def export_download(request, pk: int):
    export = _own(request, pk)
    if export.status != Export.Status.READY or not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=exports.export_filename(export))

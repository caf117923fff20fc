"""The managers' stock pages: levels and movements with filters and CSV, and the forms that receive,
transfer, adjust and set thresholds. Managers and admins only; the views parse and call services."""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from possystem.errors import DomainError
from possystem.spreadsheet import csv_response
from stock import selectors, services
from stock.forms import (
    AdjustForm,
    LevelFilterForm,
    MovementFilterForm,
    ReceiveForm,
    TerminalFilterForm,
    ThresholdForm,
    TransferForm,
    add_domain_error,
)
from stock.permissions import may_manage_stock

PAGE_SIZE = 50


def stock_manager_required(view):
    """Managers and admins only; everyone else signed in is refused (403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_manage_stock(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _levels_filtered(request):
    form = LevelFilterForm(request.GET or None)
    if not form.is_valid() and form.is_bound:
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    levels = selectors.stock_levels(
        actor=request.user,
        warehouse=data.get("warehouse"),
        region=data.get("region"),
        part=(data.get("part") or "").strip(),
        low_only=bool(data.get("low")),
    )
    return form, levels


def _movements_filtered(request):
    form = MovementFilterForm(request.GET or None)
    if not form.is_valid() and form.is_bound:
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    since, until = data.get("since"), data.get("until")
    movements = selectors.stock_movements(
        actor=request.user,
        warehouse=data.get("warehouse"),
        region=data.get("region"),
        part=(data.get("part") or "").strip(),
        kind=data.get("kind") or "",
        since=_day_start(since) if since else None,
        until=_day_start(until + datetime.timedelta(days=1)) if until else None,
    )
    return form, movements


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _query_without_page(request) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page"])


@require_GET
@stock_manager_required
def level_list(request):
    form, levels = _levels_filtered(request)
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page")) if levels is not None else None
    return render(
        request,
        "stock/levels.html",
        {"filter_form": form, "page": page, "query": _query_without_page(request)},
        status=200 if levels is not None else 400,
    )


@require_GET
@stock_manager_required
def terminal_list(request):
    """The spare terminals per warehouse and model: where a swap can be served from."""
    form = TerminalFilterForm(request.GET or None)
    valid = form.is_valid() or not form.is_bound
    data = form.cleaned_data if form.is_bound and valid else {}
    stores = (
        selectors.spare_terminals(
            actor=request.user, warehouse=data.get("warehouse"), region=data.get("region"), model=data.get("model")
        )
        if valid
        else None
    )
    return render(
        request,
        "stock/terminals.html",
        {"filter_form": form, "stores": stores, "model": data.get("model")},
        status=200 if valid else 400,
    )


@require_GET
@stock_manager_required
def movement_list(request):
    form, movements = _movements_filtered(request)
    page = Paginator(movements, PAGE_SIZE).get_page(request.GET.get("page")) if movements is not None else None
    return render(
        request,
        "stock/movements.html",
        {"filter_form": form, "page": page, "query": _query_without_page(request)},
        status=200 if movements is not None else 400,
    )


def _stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


@require_GET
@stock_manager_required
def level_export(request):
    form, levels = _levels_filtered(request)
    if levels is None:
        return render(request, "stock/levels.html", {"filter_form": form, "page": None}, status=400)

    def rows():
        yield [
            _("Warehouse code"),
            _("Warehouse"),
            _("Region"),
            _("SKU"),
            _("Spare part"),
            _("Quantity"),
            _("Low-stock threshold"),
            _("Low"),
        ]
        for level in levels.iterator(chunk_size=1000):
            yield [
                level.warehouse.code,
                level.warehouse.name,
                level.warehouse.region.label,
                level.part.sku,
                level.part.name,
                level.quantity,
                level.low_threshold,
                _("yes") if level.is_low else _("no"),
            ]

    return csv_response(rows(), filename=f"stock-levels-{_stamp()}.csv")


@require_GET
@stock_manager_required
def movement_export(request):
    form, movements = _movements_filtered(request)
    if movements is None:
        return render(request, "stock/movements.html", {"filter_form": form, "page": None}, status=400)

    def rows():
        yield [
            _("At"),
            _("Warehouse code"),
            _("SKU"),
            _("Spare part"),
            _("Kind"),
            _("Quantity"),
            _("Balance after"),
            _("From or to warehouse"),
            _("Ticket"),
            _("Reason or note"),
            _("By"),
        ]
        for movement in movements.iterator(chunk_size=1000):
            yield [
                movement.at,
                movement.warehouse.code,
                movement.part.sku,
                movement.part.name,
                movement.get_kind_display(),
                movement.quantity,
                movement.balance,
                movement.other_warehouse.code if movement.other_warehouse else "",
                movement.ticket.number if movement.ticket else "",
                movement.note,
                (movement.by.get_full_name() or movement.by.username) if movement.by else "",
            ]

    return csv_response(rows(), filename=f"stock-movements-{_stamp()}.csv")


def _operation(request, *, form_class, template: str, title: str, run, done):
    """A stock form: GET shows it (prefilled from the query), POST runs the service and goes back to
    the levels of the warehouse concerned; refusals come back on the form in the user's language."""
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                result = run(form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, done(form.cleaned_data, result))
                warehouse = form.cleaned_data.get("warehouse") or form.cleaned_data.get("destination")
                return redirect(f"{reverse('stock:levels')}?{urlencode({'warehouse': warehouse.pk})}")
        status = 400
    else:
        form = form_class(initial={k: v for k, v in request.GET.items() if k in form_class.base_fields})
        status = 200
    level = selectors.stock_level_of(
        actor=request.user,
        part=form["part"].value(),
        warehouse=form["warehouse"].value() if "warehouse" in form.fields else form["source"].value(),
    )
    return render(request, template, {"form": form, "title": title, "level": level}, status=status)


@require_http_methods(["GET", "POST"])
@stock_manager_required
def receive(request):
    return _operation(
        request,
        form_class=ReceiveForm,
        template="stock/operation.html",
        title=_("Receive parts"),
        run=lambda data: services.stock_receive(
            part=data["part"],
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            by=request.user,
            note=data["note"],
        ),
        done=lambda data, movement: (
            _("%(warehouse)s received %(quantity)d × %(part)s; it now holds %(balance)d.")
            % {
                "warehouse": data["warehouse"].name,
                "quantity": data["quantity"],
                "part": data["part"].name,
                "balance": movement.balance,
            }
        ),
    )


@require_http_methods(["GET", "POST"])
@stock_manager_required
def transfer(request):
    return _operation(
        request,
        form_class=TransferForm,
        template="stock/operation.html",
        title=_("Transfer between warehouses"),
        run=lambda data: services.stock_transfer(
            part=data["part"],
            source=data["source"],
            destination=data["destination"],
            quantity=data["quantity"],
            by=request.user,
            note=data["note"],
        ),
        done=lambda data, movements: (
            _("%(quantity)d × %(part)s moved from %(source)s to %(destination)s.")
            % {
                "quantity": data["quantity"],
                "part": data["part"].name,
                "source": data["source"].name,
                "destination": data["destination"].name,
            }
        ),
    )


@require_http_methods(["GET", "POST"])
@stock_manager_required
def adjust(request):
    return _operation(
        request,
        form_class=AdjustForm,
        template="stock/operation.html",
        title=_("Adjust stock"),
        run=lambda data: services.stock_adjust(
            part=data["part"],
            warehouse=data["warehouse"],
            change=data["change"],
            reason=data["reason"],
            by=request.user,
        ),
        done=lambda data, movement: (
            _("%(part)s at %(warehouse)s adjusted by %(change)+d; it now holds %(balance)d.")
            % {
                "part": data["part"].name,
                "warehouse": data["warehouse"].name,
                "change": data["change"],
                "balance": movement.balance,
            }
        ),
    )


@require_http_methods(["GET", "POST"])
@stock_manager_required
def threshold(request):
    return _operation(
        request,
        form_class=ThresholdForm,
        template="stock/operation.html",
        title=_("Set the low-stock threshold"),
        run=lambda data: services.stock_threshold_set(
            part=data["part"], warehouse=data["warehouse"], threshold=data["threshold"], by=request.user
        ),
        done=lambda data, level: (
            _("Low-stock threshold of %(part)s at %(warehouse)s set to %(threshold)d.")
            % {"part": data["part"].name, "warehouse": data["warehouse"].name, "threshold": level.low_threshold}
        ),
    )

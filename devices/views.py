from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.scoping import is_staff_actor
from devices import lifecycle, selectors
from devices.forms import DeviceMoveForm
from devices.models import Device, DeviceModel
from possystem.errors import DomainError
from possystem.seek import Key, seek_page
from stock.models import Warehouse
from tickets.selectors import device_repair_history
from warranty.services import warranty_status

# The newest moves on the page; the API pages through all of them.
MOVEMENTS_SHOWN = 50


@login_required
def device_list(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in Device.Status.values:
        status = ""
    # From the spare terminals page (staff): one warehouse's terminals of one model. Unknown values
    # find none.
    warehouse_code = request.GET.get("warehouse", "").strip()[:32] if is_staff_actor(request.user) else ""
    warehouse = Warehouse.objects.filter(code=warehouse_code).first() if warehouse_code else None
    model_id = _positive_int(request.GET.get("model"))
    model = DeviceModel.objects.filter(pk=model_id).first() if model_id else None
    # Pages follow the serial (unique, indexed) from the last one shown: no count, no offset.
    page = seek_page(
        selectors.device_list(
            actor=request.user,
            search=search,
            status=status,
            warehouse_code=warehouse_code,
            model_id=model_id,
        ).order_by(),
        keys=(Key("serial_number"),),
        after=request.GET.get("after", ""),
        size=25,
        count=False,
    )
    today = timezone.localdate()
    rows = [(device, warranty_status(device=device, on=today)) for device in page.rows]
    return render(
        request,
        "devices/device_list.html",
        {
            "page": page,
            "rows": rows,
            "search": search,
            "status": status,
            "statuses": Device.Status.choices,
            "warehouse_code": warehouse_code,
            "warehouse": warehouse,
            "model": model,
        },
    )


def _positive_int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# Terminals staff may put into a warehouse or scrap from the page (a deployed one is swapped out first).
MOVABLE = (Device.Status.IN_STOCK, Device.Status.IN_REPAIR)


def _device_or_404(user, serial_number) -> Device:
    try:
        return selectors.device_get(actor=user, serial_number=serial_number)
    except Device.DoesNotExist as error:
        raise Http404 from error


@login_required
def device_detail(request, serial_number, move_form=None):
    device = _device_or_404(request.user, serial_number)
    today = timezone.localdate()
    user = request.user
    # Who can report a fault from here: the terminal's own merchant, and staff filing on its behalf.
    can_report = device.status != Device.Status.RETIRED and device.merchant_id is not None
    can_report = can_report and (
        is_staff_actor(user) or (user.role == User.Role.MERCHANT and user.merchant_id == device.merchant_id)
    )
    return render(
        request,
        "devices/device_detail.html",
        {
            "device": device,
            "status": warranty_status(device=device, on=today),
            "warranties": list(device.warranties.all()),
            "history": list(device_repair_history(actor=user, device=device)),
            "movements": list(selectors.device_movements(actor=user, device=device)[:MOVEMENTS_SHOWN]),
            "sees_staff": is_staff_actor(user),
            "move_form": (move_form or DeviceMoveForm(prefix="move"))
            if is_staff_actor(user) and device.status in MOVABLE and not device.loans_covering.filter(returned_at=None)
            else None,
            "can_report": can_report,
            "report_as_staff": is_staff_actor(user),
            "today": today,
        },
    )


@login_required
@require_POST
def device_move(request, serial_number):
    """Staff: a terminal back from repair (or in stock) goes into a warehouse, or is scrapped."""
    if not is_staff_actor(request.user):
        raise Http404
    device = _device_or_404(request.user, serial_number)
    form = DeviceMoveForm(request.POST, prefix="move")
    if device.status not in MOVABLE:
        messages.error(request, _("A deployed terminal is swapped out or lent around on a ticket, not moved here."))
        return redirect("devices:detail", serial_number=device.serial_number)
    if not form.is_valid():
        return device_detail(request, serial_number, move_form=form)
    data = form.cleaned_data
    try:
        if data["move"] == DeviceMoveForm.SCRAP:
            lifecycle.device_scrap(device=device, by=request.user, note=data["note"])
            done = _("Terminal %(serial)s is scrapped.")
        elif device.status == Device.Status.IN_REPAIR:
            lifecycle.device_restock(device=device, warehouse=data["warehouse"], by=request.user, note=data["note"])
            done = _("Terminal %(serial)s is back in stock.")
        else:
            lifecycle.device_receive(device=device, warehouse=data["warehouse"], by=request.user, note=data["note"])
            done = _("Terminal %(serial)s is in stock at the warehouse chosen.")
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done % {"serial": device.serial_number})
    return redirect("devices:detail", serial_number=device.serial_number)

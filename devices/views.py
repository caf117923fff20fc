from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from accounts.scoping import is_staff_actor
from devices import selectors
from devices.models import Device
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
    page = Paginator(selectors.device_list(actor=request.user, search=search, status=status), 25).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(device, warranty_status(device=device, on=today)) for device in page.object_list]
    return render(
        request,
        "devices/device_list.html",
        {"page": page, "rows": rows, "search": search, "status": status, "statuses": Device.Status.choices},
    )


@login_required
def device_detail(request, serial_number):
    try:
        device = selectors.device_get(actor=request.user, serial_number=serial_number)
    except Device.DoesNotExist as error:
        raise Http404 from error
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
            "can_report": can_report,
            "report_as_staff": is_staff_actor(user),
            "today": today,
        },
    )

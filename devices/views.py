from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from accounts.scoping import is_staff_actor
from devices import selectors
from devices.models import Device
from possystem.seek import Key, seek_page
from tickets.selectors import device_repair_history
from warranty.services import warranty_status


@login_required
def device_list(request):
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in Device.Status.values:
        status = ""
    # Pages follow the serial (unique, indexed) from the last one shown: no count, no offset.
    page = seek_page(
        selectors.device_list(actor=request.user, search=search, status=status).order_by(),
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
            "can_report": can_report,
            "report_as_staff": is_staff_actor(user),
            "today": today,
        },
    )

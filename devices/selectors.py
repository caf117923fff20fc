"""Permission-scoped reads of devices."""

from django.db.models import Prefetch, Q

from accounts.scoping import visible_to
from devices.models import Device, DeviceMovement
from warranty.models import Warranty


def device_list(
    *,
    actor,
    search: str = "",
    status: str = "",
    merchant_id: int | None = None,
    warehouse_code: str = "",
    model_id: int | None = None,
):
    """Devices the actor may see, with model, merchant and warranties loaded for the list."""
    devices = (
        visible_to(Device.objects.all(), actor)
        .select_related("model", "merchant", "region", "acquirer", "warehouse")
        .prefetch_related(
            Prefetch("warranties", queryset=Warranty.objects.select_related("policy").order_by("starts_on", "pk"))
        )
    )
    if search:
        devices = devices.filter(
            Q(serial_number__icontains=search) | Q(tid__icontains=search) | Q(site_address__icontains=search)
        )
    if status:
        devices = devices.filter(status=status)
    if merchant_id:
        devices = devices.filter(merchant_id=merchant_id)
    if warehouse_code:
        devices = devices.filter(warehouse__code=warehouse_code)
    if model_id:
        devices = devices.filter(model_id=model_id)
    return devices.order_by("serial_number")


def device_get(*, actor, serial_number: str) -> Device:
    """One device by serial number; `Device.DoesNotExist` when absent or out of the actor's scope."""
    return device_list(actor=actor).get(serial_number=serial_number)


def device_movements(*, actor, device: Device):
    """The moves of `device` the actor may see, newest first: staff see all of them; a merchant (or
    its partner) those made while the terminal was at that merchant; a technician those of their
    jobs."""
    return (
        visible_to(DeviceMovement.objects.filter(device=device), actor)
        .select_related("warehouse", "merchant", "ticket", "by", "counterpart")
        .order_by("-at", "-pk")
    )

"""The technicians a caller may see, with their workload, for dispatch through the API."""

from accounts.scoping import visible_to
from technicians.models import Technician
from technicians.selectors import with_on_shift, with_open_jobs


def technician_list(*, actor, region: str = "", device_model: str = "", on_shift: bool | None = None):
    """Staff see every technician, a technician their own record, merchants and partners none.

    `on_shift` is computed from each technician's weekly shifts and leave days: at work right now."""
    technicians = with_on_shift(
        with_open_jobs(
            visible_to(Technician.objects.all(), actor)
            .select_related("user")
            .prefetch_related("regions", "device_models")
        )
    )
    if region:
        technicians = technicians.filter(regions__code=region)
    if device_model:
        technicians = technicians.filter(device_models__name=device_model)
    if on_shift is not None:
        technicians = technicians.filter(on_shift=on_shift)
    return technicians

"""The service regions, read once per process and again after an admin changes one
(possystem.snapshot): the console lists them in its region filter, and each of its rows names one,
on every request."""

from accounts.models import Region
from possystem.snapshot import Snapshot


def _regions_load() -> dict[int, Region]:
    return {region.pk: region for region in Region.objects.order_by("code")}


_REGIONS = Snapshot("regions", _regions_load)


def regions_by_id() -> dict[int, Region]:
    """Every region by id, in the order of their codes, as this process last read them."""
    return _REGIONS.get()


def regions_changed(**kwargs) -> None:
    """post_save / post_delete receiver of Region (accounts.apps)."""
    _REGIONS.changed()

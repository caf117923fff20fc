"""The SLA policies, read once per process and again after an admin changes one (sla.apps,
possystem.snapshot): every filing picks one of the active ones, and every list of tickets draws
their deadlines' states with their own, active or not, without joining the policies to the tickets.
"""

from possystem.snapshot import Snapshot
from sla.models import SLAPolicy


def _policies_load() -> dict[int, SLAPolicy]:
    return {policy.pk: policy for policy in SLAPolicy.objects.order_by("pk")}


_POLICIES = Snapshot("sla-policies", _policies_load)


def sla_policies() -> dict[int, SLAPolicy]:
    """Every policy by id, as this process last read them."""
    return _POLICIES.get()


def policies_snapshot() -> Snapshot:
    return _POLICIES


def sla_policies_changed(**kwargs) -> None:
    """post_save / post_delete receiver of SLAPolicy (sla.apps)."""
    _POLICIES.changed()

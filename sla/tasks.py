from celery import shared_task

from sla.models import SLAPolicy
from sla.services import escalations_scan, sla_checks_rebuild


@shared_task(name="sla.scan", ignore_result=True)
def scan() -> int:
    """Beat runs this every SLA_SCAN_INTERVAL_SECONDS; running it twice at once is safe."""
    return escalations_scan().escalations


@shared_task(name="sla.policy_refresh", ignore_result=True)
def policy_refresh(policy_id: int) -> None:
    policy = SLAPolicy.objects.filter(pk=policy_id).first()
    if policy is not None:
        sla_checks_rebuild(policy=policy)

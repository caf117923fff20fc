from celery import shared_task
from django.utils import timezone

from sla.models import SLAPolicy
from sla.services import escalations_scan, scanner_heartbeat_record, sla_checks_rebuild


@shared_task(name="sla.scan", ignore_result=True)
def scan() -> int:
    """Beat runs this every SLA_SCAN_INTERVAL_SECONDS; running it twice at once is safe. The
    heartbeat after the pass is what `/readyz` reads as "beat ticks and a worker runs the scans"."""
    escalations = escalations_scan().escalations
    scanner_heartbeat_record(now=timezone.now())
    return escalations


@shared_task(name="sla.policy_refresh", ignore_result=True)
def policy_refresh(policy_id: int) -> None:
    policy = SLAPolicy.objects.filter(pk=policy_id).first()
    if policy is not None:
        sla_checks_rebuild(policy=policy)

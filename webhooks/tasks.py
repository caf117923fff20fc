import logging

from celery import shared_task

from webhooks.services import webhook_deliveries_due, webhook_delivery_attempt

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    """One try of one delivery; failures are retried by `deliver_due`, not by Celery."""
    webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.deliver_many", ignore_result=True)
def deliver_many(delivery_ids: list[int]) -> None:
    """One try of each of a subscriber's deliveries, in order (an event batch's). Each is claimed
    first, so a redelivered task sends nothing twice; one that fails is left to `deliver_due`."""
    for delivery_id in delivery_ids:
        try:
            webhook_delivery_attempt(delivery_id=delivery_id)
        except Exception:
            logger.exception("Webhook delivery %s failed; deliver_due tries it again", delivery_id)


@shared_task(name="webhooks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Beat: queue the deliveries whose retry is due (and any whose first task was lost)."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)

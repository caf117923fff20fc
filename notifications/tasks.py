import logging

from celery import shared_task

from notifications.services import deliveries_requeue, delivery_send

logger = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver(delivery_ids: list[int]) -> None:
    """Send outbox rows; each is claimed first, so a redelivered task sends nothing twice."""
    for delivery_id in delivery_ids:
        try:
            delivery_send(delivery_id=delivery_id)
        except Exception:
            # The row stays owed; deliveries_requeue tries it again. Carry on with the others.
            logger.exception("Delivery %s failed", delivery_id)


@shared_task(name="notifications.requeue", ignore_result=True)
def requeue() -> int:
    return deliveries_requeue()

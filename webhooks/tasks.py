from celery import shared_task

from webhooks.services import webhook_deliveries_due, webhook_delivery_attempt


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    """One try of one delivery; failures are retried by `deliver_due`, not by Celery."""
    webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Beat: queue the deliveries whose retry is due (and any whose first task was lost)."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)

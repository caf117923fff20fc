from celery import shared_task

from api.services import idempotency_keys_purge


@shared_task(name="api.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return idempotency_keys_purge()

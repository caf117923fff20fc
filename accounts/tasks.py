from celery import shared_task

from accounts.services import sessions_clear_expired


@shared_task(name="accounts.clear_sessions", ignore_result=True)
def clear_sessions() -> None:
    sessions_clear_expired()

import smtplib

from celery import shared_task

from notifications.services import notification_send_email


@shared_task(
    name="notifications.send_email",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def send_notification_email(notification_id: int) -> None:
    notification_send_email(notification_id=notification_id)

from celery import shared_task

from tickets.loans import loans_remind
from tickets.quotes import quotes_follow_up
from tickets.services import tickets_close_resolved


@shared_task(name="tickets.close_resolved", ignore_result=True)
def close_resolved() -> int:
    return tickets_close_resolved()


@shared_task(name="tickets.quotes_follow_up", ignore_result=True)
def follow_up_quotes() -> None:
    quotes_follow_up()


@shared_task(name="tickets.remind_loans", ignore_result=True)
def remind_loans() -> int:
    return loans_remind()

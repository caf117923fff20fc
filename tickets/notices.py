"""Notices to the merchant about their ticket: in the app and by e-mail, in each reader's language.

Written in the caller's transaction through the notifications outbox, so a notice goes out exactly
when the change it reports commits.
"""

from collections.abc import Callable

from django.urls import reverse

from accounts.models import User
from notifications.services import notify_users, notify_users_where
from tickets.models import Ticket


def merchant_notify(*, ticket: Ticket, compose: Callable[[], tuple[str, str]]) -> None:
    """Tell the merchant's active users; `compose` returns (subject, body) in the active language."""
    notify_users_where(
        users=User.objects.filter(merchant_id=ticket.merchant_id, role=User.Role.MERCHANT),
        compose=compose,
        link=reverse("tickets:detail", args=[ticket.number]),
        ticket=ticket,
    )


def staff_notify(*, ticket: Ticket, role: str, compose: Callable[[], tuple[str, str]]) -> None:
    """Tell every active user of a staff role (the dispatchers' shared queue, the managers)."""
    notify_users_where(
        users=User.objects.filter(role=role),
        compose=compose,
        link=reverse("tickets:detail", args=[ticket.number]),
        ticket=ticket,
    )


def sentence(text: str) -> str:
    """Text to be followed by our own full stop: without its closing punctuation, so a technician's
    "更换打印机。" does not end up as "更换打印机。。"."""
    return text.strip().rstrip("。．.!！?？;；")


def technician_notify(*, ticket: Ticket, user: User, compose: Callable[[], tuple[str, str]]) -> None:
    """Tell the technician sent to the ticket."""
    notify_users(
        recipients=[user], compose=compose, link=reverse("tickets:detail", args=[ticket.number]), ticket=ticket
    )

"""Small helpers shared across the test folders: moments in local time, running the scanner at a
moment, a transaction held open by another connection, API clients and request bodies."""

import datetime
import threading
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine
from rest_framework.test import APIClient

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    """A moment in Asia/Shanghai: at(2026, 11, 27, 10) is 27 Nov 2026 10:00 local time."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def scan_at(moment: datetime.datetime, **kwargs):
    """One pass of the SLA scanner with the clock stopped at `moment`."""
    from sla.services import escalations_scan

    with time_machine.travel(moment, tick=False):
        return escalations_scan(**kwargs)


def escalation_deliveries():
    """The outbox rows escalations wrote (filing a ticket also queues the merchant's e-mail copy)."""
    from notifications.models import Delivery

    return Delivery.objects.filter(source__startswith="escalation:")


def check_in(ticket, technician, **location):
    """The technician on the job accepts it (when they have not yet) and checks in on site with the
    code the merchant reads out: a verified visit. Acts on `ticket` as the caller holds it."""
    from tickets import services

    assignment = ticket.active_assignment
    if assignment.accepted_at is None:
        services.assignment_accept(assignment=assignment, by=technician.user)
    return services.ticket_check_in(ticket=ticket, by=technician.user, code=ticket.confirmation_code, **location)


def quote(ticket, by, *, parts=(), visits=1, note=""):
    """Send a quote at the list prices: `parts` [(spare part, quantity)] and `visits` of labour (at
    the default rate, ¥80 a visit)."""
    from decimal import Decimal

    from tickets.quotes import LineIn, quote_send

    lines = [LineIn(spare_part=part, quantity=Decimal(quantity)) for part, quantity in parts]
    if visits:
        lines.append(LineIn(spare_part=None, quantity=Decimal(visits)))
    return quote_send(ticket=ticket, by=by, lines=lines, note=note)


def wrong_code(ticket) -> str:
    """A confirmation code that is not the ticket's."""
    return f"{(int(ticket.confirmation_code) + 1) % 10**6:06d}"


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def filing(device, **overrides) -> dict:
    """The body of a filing through the API."""
    body = {
        "device": device.serial_number,
        "kind": "repair",
        "fault_category": "printer",
        "description": "The printer stops halfway through a receipt.",
        "contact_name": "王丽",
        "contact_phone": "138 0013 8000",
    }
    body.update(overrides)
    return body


@contextmanager
def held_in_another_transaction(work):
    """Run `work()` in a transaction on another connection (a thread) and keep that transaction open,
    its locks and uncommitted rows with it, for the block; it commits when the block ends. What a
    second worker or a concurrent request does while this one runs."""
    from django.db import connections, transaction

    held, release, errors = threading.Event(), threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                work()
                held.set()
                release.wait(10)
        except Exception as error:  # surfaced below
            errors.append(error)
            held.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)
    assert not errors, errors

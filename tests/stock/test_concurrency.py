"""Stock under concurrent use, on PostgreSQL with threads on their own connections: the last parts go
to exactly as many takers as there are parts, and crossing transfers never deadlock."""

import threading

import pytest
from django.db import connection

from possystem.errors import OutOfStock
from stock.models import StockMovement
from stock.services import stock_adjust, stock_transfer
from technicians.models import RepairReport
from tests.factories import SparePartFactory, TechnicianFactory, UserFactory, file_ticket, merchant_user, stock_of
from tests.helpers import check_in
from tickets import services
from tickets.models import Status

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(calls):
    """Start every call on its own thread at the same moment; return (results, errors)."""
    start = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            start.wait()
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_ten_takers_of_five_parts_leave_zero_never_less(shanghai):
    manager = UserFactory(role="manager")
    part = SparePartFactory(stock=5)

    results, errors = run_at_once(
        [
            lambda: stock_adjust(part=part, warehouse=shanghai, change=-1, reason="Counted short", by=manager)
            for _ in range(10)
        ]
    )

    assert len(results) == 5
    assert len(errors) == 5 and all(isinstance(error, OutOfStock) for error in errors)
    assert stock_of(part) == 0
    assert sorted(m.balance for m in StockMovement.objects.filter(kind="adjusted")) == [0, 1, 2, 3, 4]


def test_crossing_transfers_of_two_parts_all_complete(shanghai, hangzhou):
    """A→B and B→A at once, with two parts each way: rows are taken in one order, so no deadlock."""
    manager = UserFactory(role="manager")
    parts = [SparePartFactory(stock=20), SparePartFactory(stock=20)]
    for part in parts:
        stock_transfer(part=part, source=shanghai, destination=hangzhou, quantity=10, by=manager)

    calls = []
    for index in range(12):
        source, destination = (shanghai, hangzhou) if index % 2 else (hangzhou, shanghai)
        part = parts[index % 4 // 2]
        calls.append(
            lambda part=part, source=source, destination=destination: stock_transfer(
                part=part, source=source, destination=destination, quantity=1, by=manager
            )
        )
    results, errors = run_at_once(calls)

    assert errors == []
    assert len(results) == 12
    for part in parts:
        assert stock_of(part, shanghai) + stock_of(part, hangzhou) == 20


def test_two_repairs_after_the_last_part_one_resolves_one_is_told(shanghai):
    """Four technicians complete jobs needing the same part, of which two are left."""
    merchant = merchant_user()
    dispatcher = UserFactory(role="dispatcher")
    part = SparePartFactory(stock=2)
    jobs = []
    for _ in range(4):
        technician = TechnicianFactory()
        ticket = file_ticket(merchant)
        services.ticket_acknowledge(ticket=ticket, by=dispatcher)
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        check_in(ticket, technician)
        jobs.append((ticket, technician))

    results, errors = run_at_once(
        [
            lambda ticket=ticket, technician=technician: services.ticket_resolve(
                ticket=ticket,
                by=technician.user,
                outcome="replaced",
                work_done="Printer module replaced.",
                parts=[(part, 1)],
                warehouse=shanghai,
            )
            for ticket, technician in jobs
        ]
    )

    assert len(results) == 2
    assert len(errors) == 2 and all(isinstance(error, OutOfStock) for error in errors)
    assert stock_of(part) == 0
    assert RepairReport.objects.count() == 2
    used = StockMovement.objects.filter(kind="used")
    assert sorted(m.ticket.status for m in used) == [Status.RESOLVED, Status.RESOLVED]
    assert sorted(m.balance for m in used) == [0, 1]


def test_many_takers_past_the_threshold_at_once_tell_the_managers_once(shanghai):
    from notifications.models import Notification
    from stock.services import stock_threshold_set

    manager = UserFactory(role="manager")
    part = SparePartFactory(stock=8)
    stock_threshold_set(part=part, warehouse=shanghai, threshold=4, by=manager)

    results, errors = run_at_once(
        [
            lambda: stock_adjust(part=part, warehouse=shanghai, change=-1, reason="Counted short", by=manager)
            for _ in range(6)
        ]
    )

    assert (len(results), errors) == (6, [])
    assert stock_of(part) == 2
    assert Notification.objects.filter(recipient=manager, subject__startswith="Low stock").count() == 1

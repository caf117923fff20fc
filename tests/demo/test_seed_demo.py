import datetime

import pytest
from django.core.management import call_command

from accounts.models import Merchant, User
from devices.models import Device, SparePart
from technicians.models import RepairReport, Technician
from tickets.models import Quote, Status, Ticket, TicketEvent
from warranty.models import Warranty
from warranty.services import warranty_status

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, Merchant, Device, Warranty, SparePart, Technician, Ticket, TicketEvent)
    }


def test_it_seeds_the_demo_once_however_often_it_runs(capsys):
    call_command("seed_demo")
    first = counts()
    output = capsys.readouterr().out
    call_command("seed_demo")
    assert counts() == first
    for username in ("merchant", "merchant2", "dispatcher", "technician", "manager", "partner", "admin"):
        assert username in output
        assert User.objects.get(username=username).check_password("demo1234")
    assert "demo1234" in output


def test_the_demo_has_what_the_product_needs_to_show(capsys):
    call_command("seed_demo")
    merchant, merchant2, partner = (User.objects.get(username=u) for u in ("merchant", "merchant2", "partner"))
    assert merchant.merchant != merchant2.merchant
    assert partner.partner == merchant.merchant.partner
    assert Merchant.objects.values("region").distinct().count() >= 5
    states = {warranty_status(device=d).state for d in Device.objects.filter(merchant__isnull=False)}
    assert {"covered", "expiring", "expired"} <= states
    assert set(Ticket.objects.filter(merchant=merchant.merchant).values_list("status", flat=True)) >= {
        Status.NEW, Status.ACKNOWLEDGED, Status.DISPATCHED, Status.ON_SITE, Status.WAITING_MERCHANT,
        Status.RESOLVED, Status.CLOSED, Status.CANCELLED,
    }  # fmt: skip
    assert Ticket.objects.filter(merchant=merchant2.merchant, status=Status.NEW).count() >= 2
    assert Ticket.objects.filter(feedback__isnull=False).exists()


def test_the_demo_charges_exactly_the_approved_quotes_and_returns_a_declined_one(capsys):
    call_command("seed_demo")
    charged = [ticket for ticket in Ticket.objects.all() if ticket.report and ticket.report.charged]
    assert charged
    for ticket in charged:
        approved = ticket.quotes.get(status=Quote.Status.APPROVED)
        assert ticket.report.total_charge == approved.total == sum(line.amount for line in approved.lines.all())
    assert not RepairReport.objects.filter(charged=True, ticket__warranty_covered=True).exists()
    returned = Ticket.objects.get(status=Status.RETURNED_UNREPAIRED)
    assert returned.quotes.get().status == Quote.Status.DECLINED and returned.returned_at is not None
    assert Ticket.objects.filter(status=Status.WAITING_MERCHANT, quotes__status=Quote.Status.PENDING).exists()


def test_it_refuses_to_seed_production_unless_forced(settings, capsys):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="refuses to run with DJANGO_ENV=production"):
        call_command("seed_demo")
    assert not User.objects.filter(username="admin").exists()

    call_command("seed_demo", "--allow-production")
    assert User.objects.get(username="admin").check_password("demo1234")


def test_the_demo_swap_and_loan_are_consistent(capsys):
    from devices.models import DeviceMovement, Loan

    call_command("seed_demo")
    merchant = User.objects.get(username="merchant").merchant
    faulty, replacement = (Device.objects.get(serial_number=s) for s in ("PAX-A920-0012", "PAX-A920-9001"))
    assert (faulty.status, faulty.merchant, faulty.tid) == (Device.Status.IN_REPAIR, None, "")
    assert (replacement.status, replacement.merchant, replacement.tid) == (Device.Status.DEPLOYED, merchant, "10000012")
    swap_ticket = Ticket.objects.get(reports__replacement_serial="PAX-A920-9001")
    assert swap_ticket.status == Status.RESOLVED and swap_ticket.restored_at == swap_ticket.resolved_at
    # The merchants were down a while, as in life: two hours until the swap, five until the loaner.
    assert datetime.timedelta(hours=2) <= swap_ticket.restored_at - swap_ticket.created_at < datetime.timedelta(hours=3)
    assert replacement.movements.filter(kind=DeviceMovement.Kind.SWAPPED_IN, ticket=swap_ticket).exists()

    loan = Loan.objects.get(returned_at__isnull=True)
    assert (loan.own_device.serial_number, loan.loaner.serial_number) == ("SUNMI-P2-0013", "SUNMI-P2-9003")
    assert (loan.own_device.status, loan.own_device.merchant) == (Device.Status.IN_REPAIR, merchant)
    assert (loan.loaner.status, loan.loaner.tid) == (Device.Status.DEPLOYED, "10000013")
    assert loan.ticket.status == Status.ON_SITE and loan.ticket.restored_at == loan.lent_at
    assert datetime.timedelta(hours=5) <= loan.lent_at - loan.ticket.created_at < datetime.timedelta(hours=6)
    assert Device.objects.filter(status=Device.Status.IN_STOCK, warehouse__isnull=False).count() >= 4

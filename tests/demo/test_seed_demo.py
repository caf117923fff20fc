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

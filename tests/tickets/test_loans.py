"""Loaners (备机): lent from stock while the merchant's own terminal is at the depot, returned when
it comes back; the binding follows the terminal taking payments; a loan out too long is reminded to
the dispatchers once."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from devices.models import Device, DeviceMovement, Loan
from possystem.errors import ActionNotAllowed, InvalidInput, StateConflict
from tests import factories
from tests.helpers import check_in, session_client
from tickets import loans, services
from tickets.models import Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

Kind = DeviceMovement.Kind


@pytest.fixture
def own(merchant):
    return factories.device_in_warranty(
        merchant.merchant, tid="10000004", mid="898310000000004", acquirer=merchant.merchant.partner
    )


@pytest.fixture
def on_site(merchant, own, sla_policy, dispatcher, technician):
    ticket = factories.file_ticket(merchant, device=own)
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def spare():
    return factories.device_in_stock(serial_number="LOAN-0001")


def test_lending_deploys_the_loaner_with_the_binding_and_restores_service(on_site, technician, own, spare, merchant):
    loan = loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=technician.user)
    own.refresh_from_db()
    spare.refresh_from_db()
    ticket = Ticket.objects.get(pk=on_site.pk)

    assert (own.status, own.merchant, own.tid) == (Device.Status.IN_REPAIR, merchant.merchant, "")
    assert (spare.status, spare.merchant, spare.warehouse) == (Device.Status.DEPLOYED, merchant.merchant, None)
    assert (spare.tid, spare.mid, spare.acquirer) == ("10000004", "898310000000004", merchant.merchant.partner)
    assert (loan.loaner, loan.own_device, loan.merchant, loan.lent_by) == (
        spare,
        own,
        merchant.merchant,
        technician.user,
    )
    assert ticket.restored_at == loan.lent_at and ticket.downtime == loan.lent_at - ticket.created_at
    assert ticket.status == Status.ON_SITE  # the repair itself is still to be done
    lent = spare.movements.get(kind=Kind.LENT)
    assert (lent.ticket, lent.counterpart, lent.warehouse, lent.by) == (ticket, own, loan.warehouse, technician.user)
    to_repair = own.movements.get(kind=Kind.TO_REPAIR)
    assert (to_repair.from_status, to_repair.to_status, to_repair.counterpart) == (
        Device.Status.DEPLOYED,
        Device.Status.IN_REPAIR,
        spare,
    )
    assert ticket.events.filter(kind=TicketEvent.Kind.LOAN_OUT, message="LOAN-0001").exists()
    assert merchant.notifications.filter(subject__contains="loaner").exists()

    # Resolving later keeps the moment service came back with the loaner.
    services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="Repaired at the depot.")
    assert Ticket.objects.get(pk=on_site.pk).restored_at == loan.lent_at


def test_returning_puts_everything_back(on_site, technician, dispatcher, own, spare, merchant):
    loan = loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=technician.user)
    warehouse = loan.warehouse
    loans.loan_return(ticket=Ticket.objects.get(pk=on_site.pk), by=dispatcher)
    own.refresh_from_db()
    spare.refresh_from_db()
    loan.refresh_from_db()

    assert (own.status, own.merchant, own.tid, own.mid) == (
        Device.Status.DEPLOYED,
        merchant.merchant,
        "10000004",
        "898310000000004",
    )
    assert (spare.status, spare.warehouse, spare.merchant, spare.tid) == (Device.Status.IN_STOCK, warehouse, None, "")
    assert loan.returned_at is not None and loan.returned_by == dispatcher
    assert [m.kind for m in spare.movements.order_by("at", "pk")] == [Kind.LENT, Kind.RETURNED]
    assert [m.kind for m in own.movements.order_by("at", "pk")] == [Kind.TO_REPAIR, Kind.REPAIRED]
    assert Ticket.objects.get(pk=on_site.pk).events.filter(kind=TicketEvent.Kind.LOAN_RETURNED).exists()
    with pytest.raises(StateConflict):
        loans.loan_return(ticket=Ticket.objects.get(pk=on_site.pk), by=dispatcher)


def test_only_staff_and_the_technician_on_the_job_lend_and_only_staff_take_back(
    on_site, merchant, partner, technician, dispatcher, spare
):
    for outsider in (merchant, partner, factories.TechnicianFactory().user):
        with pytest.raises(ActionNotAllowed):
            loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=outsider)
    loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=dispatcher)
    with pytest.raises(StateConflict, match="already out"):
        loans.loan_lend(ticket=Ticket.objects.get(pk=on_site.pk), serial="LOAN-0001", by=dispatcher)
    for outsider in (merchant, technician.user):
        with pytest.raises(ActionNotAllowed):
            loans.loan_return(ticket=Ticket.objects.get(pk=on_site.pk), by=outsider)


def test_an_unfit_loaner_is_refused_with_the_field_named(on_site, technician, dispatcher):
    beijing = factories.RegionFactory(code="beijing", name="北京", name_en="Beijing")
    far = factories.device_in_stock(factories.WarehouseFactory(code="bj-main", name="北京总仓", region=beijing))
    with pytest.raises(InvalidInput) as refused:
        loans.loan_lend(ticket=on_site, serial="NO-SUCH-SERIAL", by=technician.user)
    assert refused.value.field == "serial"
    with pytest.raises(InvalidInput, match="do not draw from"):
        loans.loan_lend(ticket=on_site, serial=far.serial_number, by=technician.user)
    # A dispatcher lends from any warehouse.
    loans.loan_lend(ticket=on_site, serial=far.serial_number, by=dispatcher)
    assert not Loan.objects.filter(loaner__serial_number="NO-SUCH-SERIAL").exists()


def test_a_swap_waits_for_the_loaner_to_come_back(on_site, technician, spare):
    loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=technician.user)
    replacement = factories.device_in_stock()
    with pytest.raises(InvalidInput, match="A loaner is out"):
        services.ticket_resolve(
            ticket=Ticket.objects.get(pk=on_site.pk),
            by=technician.user,
            outcome="swapped",
            work_done="Swap.",
            replacement_serial=replacement.serial_number,
        )


def test_a_loan_out_too_long_is_reminded_to_the_dispatchers_once(on_site, technician, dispatcher, spare, settings):
    settings.LOAN_REMIND_AFTER_DAYS = 14
    lent_at = timezone.now()
    loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=technician.user)
    with time_machine.travel(lent_at + datetime.timedelta(days=13, hours=23), tick=False):
        assert loans.loans_remind() == 0
    with time_machine.travel(lent_at + datetime.timedelta(days=14, minutes=1), tick=False):
        assert loans.loans_remind() == 1
        assert loans.loans_remind() == 0  # a second beat, or a redelivered task
    with time_machine.travel(lent_at + datetime.timedelta(days=30), tick=False):
        assert loans.loans_remind() == 0
    notices = dispatcher.notifications.filter(subject__contains="LOAN-0001")
    assert notices.count() == 1
    assert "14 days" in notices.get().body
    event = Ticket.objects.get(pk=on_site.pk).events.get(kind=TicketEvent.Kind.LOAN_OVERDUE)
    assert not event.public  # for staff only


def test_a_returned_loan_is_not_reminded(on_site, technician, dispatcher, spare):
    loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=technician.user)
    loans.loan_return(ticket=Ticket.objects.get(pk=on_site.pk), by=dispatcher)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=60), tick=False):
        assert loans.loans_remind() == 0


def test_the_pages_lend_and_return_and_other_merchants_see_nothing(
    on_site, technician, dispatcher, merchant, other_merchant, spare
):
    tech = session_client(technician.user)
    refused = tech.post(reverse("tickets:lend", args=[on_site.number]), {"lend-serial": "NOPE-1"})
    assert refused.status_code == 200 and "No terminal has the serial number NOPE-1" in refused.content.decode()
    lent = tech.post(reverse("tickets:lend", args=[on_site.number]), {"lend-serial": "LOAN-0001"})
    assert lent.status_code == 302

    page = session_client(merchant).get(reverse("tickets:detail", args=[on_site.number])).content.decode()
    assert 'data-testid="loan-out"' in page and "LOAN-0001" in page and 'data-testid="downtime"' in page
    assert session_client(other_merchant).get(reverse("tickets:detail", args=[on_site.number])).status_code == 404
    assert session_client(other_merchant).post(reverse("tickets:loan_return", args=[on_site.number])).status_code == 404

    staff = session_client(dispatcher)
    return_url = reverse("tickets:loan_return", args=[on_site.number])
    assert f'action="{return_url}"' in staff.get(reverse("tickets:detail", args=[on_site.number])).content.decode()
    assert staff.post(reverse("tickets:loan_return", args=[on_site.number])).status_code == 302
    assert Loan.objects.get().returned_at is not None


def test_the_beat_runs_the_reminder(settings):
    from tickets.tasks import remind_loans

    assert settings.CELERY_BEAT_SCHEDULE["tickets-remind-loans"]["task"] == remind_loans.name


def test_the_dashboard_reads_the_downtime_of_a_period(on_site, technician, spare, merchant, django_assert_num_queries):
    from tickets.selectors import downtime_summary

    down = factories.file_ticket(merchant, device=factories.device_in_warranty(merchant.merchant))
    factories.file_ticket(merchant, kind="consultation", fault_category="", device=None)  # never counts
    loans.loan_lend(ticket=on_site, serial="LOAN-0001", by=technician.user)
    since, until = timezone.now() - datetime.timedelta(days=1), timezone.now() + datetime.timedelta(minutes=1)
    with django_assert_num_queries(1):
        figures = downtime_summary(since=since, until=until)
    restored = Ticket.objects.get(pk=on_site.pk)
    assert (figures.restored, figures.by_loaner, figures.still_down) == (1, 1, 1)
    assert figures.average == figures.longest == restored.downtime
    assert Ticket.objects.get(pk=down.pk).restored_at is None


def test_the_api_lends_lists_and_returns_within_the_callers_scope(
    on_site, spare, dispatcher_api, partner_api, other_partner_api, technician
):
    url = f"/api/v1/tickets/{on_site.number}/loans/"
    refused = dispatcher_api.post(url, {"serial": "NO-SUCH-SERIAL"}, format="json")
    assert refused.status_code == 422 and "serial" in refused.json()["errors"]
    assert partner_api.post(url, {"serial": "LOAN-0001"}, format="json").status_code == 403
    assert other_partner_api.post(url, {"serial": "LOAN-0001"}, format="json").status_code == 404
    assert other_partner_api.get(url).status_code == 404

    lent = session_client(technician.user).post(url, {"serial": "LOAN-0001"}, format="json")
    assert lent.status_code == 201
    assert (lent.json()["loaner"], lent.json()["returned_at"]) == ("LOAN-0001", None)
    assert partner_api.get(url).json()[0]["own_device"] == on_site.device.serial_number
    assert dispatcher_api.post(url, {"serial": "LOAN-0001"}, format="json").status_code == 409

    assert partner_api.post(f"{url}return/").status_code == 403
    returned = dispatcher_api.post(f"{url}return/")
    assert returned.status_code == 200 and returned.json()["returned_at"] is not None
    assert dispatcher_api.post(f"{url}return/").status_code == 409

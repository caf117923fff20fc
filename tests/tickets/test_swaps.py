"""A swap (换机) at resolution: the replacement from stock takes the faulty terminal's place and
binding, the faulty one goes to the depot, both histories say so; every unfit serial is refused."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from devices.models import Device, DeviceMovement
from possystem.errors import InvalidInput
from tests import factories
from tests.helpers import check_in, session_client
from tickets import services
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

Kind = DeviceMovement.Kind


@pytest.fixture
def bound_device(merchant):
    """The merchant's terminal, bound to its acquirer (TID/MID)."""
    return factories.device_in_warranty(
        merchant.merchant, tid="10000001", mid="898310000000001", acquirer=merchant.merchant.partner
    )


@pytest.fixture
def on_site(merchant, bound_device, sla_policy, dispatcher, technician):
    ticket = factories.file_ticket(merchant, device=bound_device)
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return ticket


@pytest.fixture
def spare():
    """A terminal in stock at the Shanghai warehouse the technician draws from."""
    return factories.device_in_stock()


def swap(ticket, technician, serial, **extra):
    return services.ticket_resolve(
        ticket=ticket,
        by=technician.user,
        outcome="swapped",
        work_done="Swapped the terminal; the old one goes to the depot.",
        replacement_serial=serial,
        **extra,
    )


def test_it_deploys_the_replacement_with_the_binding_and_sends_the_faulty_one_to_repair(
    on_site, technician, spare, bound_device, merchant
):
    report = swap(on_site, technician, spare.serial_number.lower())  # typed in lower case: still found
    faulty = Device.objects.get(pk=bound_device.pk)
    replacement = Device.objects.get(pk=spare.pk)
    ticket = Ticket.objects.get(pk=on_site.pk)

    assert report.replacement_serial == spare.serial_number
    assert (faulty.status, faulty.merchant, faulty.tid, faulty.mid, faulty.acquirer) == (
        Device.Status.IN_REPAIR,
        None,
        "",
        "",
        None,
    )
    assert replacement.status == Device.Status.DEPLOYED
    assert (replacement.merchant, replacement.warehouse) == (merchant.merchant, None)
    assert (replacement.tid, replacement.mid, replacement.acquirer) == (
        "10000001",
        "898310000000001",
        merchant.merchant.partner,
    )
    assert (replacement.site_address, replacement.region) == (bound_device.site_address, merchant.merchant.region)
    assert ticket.status == Status.RESOLVED and ticket.restored_at == ticket.resolved_at

    swapped_in = replacement.movements.get(kind=Kind.SWAPPED_IN)
    assert (swapped_in.from_status, swapped_in.to_status) == (Device.Status.IN_STOCK, Device.Status.DEPLOYED)
    assert (swapped_in.ticket, swapped_in.by, swapped_in.counterpart) == (ticket, technician.user, faulty)
    assert swapped_in.warehouse == spare.warehouse and swapped_in.merchant == merchant.merchant
    swapped_out = faulty.movements.get(kind=Kind.SWAPPED_OUT)
    assert (swapped_out.from_status, swapped_out.to_status) == (Device.Status.DEPLOYED, Device.Status.IN_REPAIR)
    assert (swapped_out.ticket, swapped_out.counterpart, swapped_out.merchant) == (
        ticket,
        replacement,
        merchant.merchant,
    )


def test_a_replacement_never_activated_starts_its_warranty_on_the_day(on_site, technician, spare):
    swap(on_site, technician, spare.serial_number)
    replacement = Device.objects.get(pk=spare.pk)
    assert replacement.activated_on == timezone.localdate()
    assert replacement.warranties.get().starts_on == timezone.localdate()


def test_an_activated_replacement_keeps_its_own_warranty(on_site, technician):
    used = factories.device_in_stock(activated_on=timezone.localdate() - datetime.timedelta(days=200))
    factories.WarrantyFactory(device=used)
    before = list(used.warranties.values_list("starts_on", "ends_on"))
    swap(on_site, technician, used.serial_number)
    used.refresh_from_db()
    assert used.activated_on == timezone.localdate() - datetime.timedelta(days=200)
    assert list(used.warranties.values_list("starts_on", "ends_on")) == before


@pytest.mark.parametrize(
    "case, message",
    [
        ("unknown", "No terminal has the serial number NO-SUCH-SERIAL"),
        ("blank", "Scan or type the serial number"),
        ("deployed", "is not in stock (it is “Deployed”)"),
        ("in_repair", "is not in stock (it is “In repair”)"),
        ("scrapped", "is not in stock (it is “Scrapped”)"),
        ("other_warehouse", "which you do not draw from"),
        ("wrong_model", "does not accept"),
        ("own", "This is the merchant's own terminal"),
    ],
)
def test_it_refuses_an_unfit_replacement_and_changes_nothing(
    on_site, technician, bound_device, merchant, case, message
):
    beijing = factories.RegionFactory(code="beijing", name="北京", name_en="Beijing")
    serial = {
        "unknown": lambda: "NO-SUCH-SERIAL",
        "blank": lambda: "  ",
        "deployed": lambda: factories.DeviceFactory().serial_number,
        "in_repair": lambda: factories.DeviceFactory(status=Device.Status.IN_REPAIR).serial_number,
        "scrapped": lambda: factories.DeviceFactory(merchant=None, status=Device.Status.RETIRED).serial_number,
        "other_warehouse": lambda: (
            factories.device_in_stock(
                factories.WarehouseFactory(code="bj-main", name="北京总仓", region=beijing)
            ).serial_number
        ),
        "wrong_model": lambda: _other_model_in_stock(merchant),
        "own": lambda: bound_device.serial_number,
    }[case]()
    with pytest.raises(InvalidInput) as refused:
        swap(on_site, technician, serial)
    assert message in " ".join(refused.value.errors["replacement_serial"])
    ticket = Ticket.objects.get(pk=on_site.pk)
    assert ticket.status == Status.ON_SITE and ticket.resolved_at is None
    assert Device.objects.get(pk=bound_device.pk).status == Device.Status.DEPLOYED
    assert not DeviceMovement.objects.filter(ticket=ticket).exists()


def _other_model_in_stock(merchant) -> str:
    accepted = factories.DeviceModelFactory(name="A920")
    accepted.accepted_by.add(merchant.merchant.partner)  # the acquirer names A920 only
    return factories.device_in_stock(model=factories.DeviceModelFactory(name="N910", brand="Newland")).serial_number


def test_an_acquirer_naming_the_model_accepts_it(on_site, technician, merchant, spare):
    spare.model.accepted_by.add(merchant.merchant.partner)
    swap(on_site, technician, spare.serial_number)
    assert Device.objects.get(pk=spare.pk).status == Device.Status.DEPLOYED


def test_a_serial_without_the_swapped_outcome_is_refused(on_site, technician, spare):
    with pytest.raises(InvalidInput) as refused:
        services.ticket_resolve(
            ticket=on_site,
            by=technician.user,
            outcome="repaired",
            work_done="Cleaned the reader.",
            replacement_serial=spare.serial_number,
        )
    assert "goes with the outcome “Terminal swapped”" in refused.value.errors["replacement_serial"][0]
    assert Device.objects.get(pk=spare.pk).status == Device.Status.IN_STOCK


def test_the_form_shows_the_error_on_the_field_and_the_api_answers_422(on_site, technician, merchant):
    client = session_client(technician.user)
    response = client.post(
        reverse("tickets:resolve", args=[on_site.number]),
        {
            "resolve-outcome": "swapped",
            "resolve-work_done": "Swapped.",
            "resolve-replacement_serial": "NO-SUCH-SERIAL",
            "parts-TOTAL_FORMS": "0",
            "parts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "No terminal has the serial number NO-SUCH-SERIAL" in response.content.decode()
    assert Ticket.objects.get(pk=on_site.pk).status == Status.ON_SITE

    api = session_client(technician.user)
    answer = api.post(
        f"/api/v1/tickets/{on_site.number}/resolve/",
        {"outcome": "swapped", "work_done": "Swapped.", "replacement_serial": "NO-SUCH-SERIAL"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 422
    assert "replacement_serial" in answer.json()["errors"]
    assert "序列号" in answer.json()["errors"]["replacement_serial"][0]


def test_the_ticket_page_and_receipt_show_both_serials(on_site, technician, spare, bound_device, merchant):
    swap(on_site, technician, spare.serial_number)
    client = session_client(merchant)
    for name in ("tickets:detail", "tickets:receipt"):
        page = client.get(reverse(name, args=[on_site.number])).content.decode()
        assert spare.serial_number in page and bound_device.serial_number in page


@pytest.mark.django_db(transaction=True)
def test_of_two_technicians_taking_the_same_replacement_one_wins(sla_policy, dispatcher):
    spare = factories.device_in_stock()
    tickets, technicians = [], []
    for _ in range(2):
        merchant = factories.merchant_user()
        device = factories.device_in_warranty(merchant.merchant)
        ticket = factories.file_ticket(merchant, device=device)
        technician = factories.TechnicianFactory()
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        check_in(ticket, technician)
        tickets.append(Ticket.objects.get(pk=ticket.pk))
        technicians.append(technician)
    start = threading.Barrier(2)
    outcomes = []

    def take(ticket, technician):
        try:
            start.wait()
            swap(ticket, technician, spare.serial_number)
            outcomes.append("won")
        except InvalidInput as error:
            outcomes.append(error.errors["replacement_serial"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=pair) for pair in zip(tickets, technicians, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=len)[0] == "won"
    assert "taken by someone else" in outcomes[0] + outcomes[1] or "not in stock" in outcomes[0] + outcomes[1]
    spare.refresh_from_db()
    assert spare.status == Device.Status.DEPLOYED
    assert spare.movements.filter(kind=Kind.SWAPPED_IN).count() == 1
    resolved = Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=Status.RESOLVED)
    assert resolved.count() == 1
    assert spare.merchant == resolved.get().merchant


def test_a_faulty_terminal_moved_meanwhile_keeps_its_binding_from_a_second_replacement(
    on_site, technician, spare, bound_device, dispatcher
):
    from django.db import transaction

    from devices.lifecycle import device_to_repair
    from possystem.errors import StateConflict
    from tickets.swaps import swap_checked, swap_record

    errors = {}
    checked = swap_checked(ticket=on_site, outcome="swapped", replacement_serial=spare.serial_number, errors=errors)
    assert errors == {} and checked is not None
    device_to_repair(device=Device.objects.get(pk=bound_device.pk), by=dispatcher, keep_merchant=True)  # meanwhile
    with pytest.raises(StateConflict), transaction.atomic():
        swap_record(swap=checked, ticket=on_site, by=technician.user)
    spare.refresh_from_db()
    assert (spare.status, spare.tid, spare.merchant) == (Device.Status.IN_STOCK, "", None)

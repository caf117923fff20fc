"""A terminal's lifecycle: every status change is a conditional UPDATE with a movement row in the same
transaction; the history is on the terminal's page and in the API, each caller seeing only their part."""

import pytest
from django.urls import reverse
from django.utils import timezone

from devices import lifecycle
from devices.models import Device, DeviceMovement
from devices.services import device_register
from possystem.errors import StateConflict
from tests import factories
from tests.helpers import check_in, key_client, session_client
from tickets import services

pytestmark = pytest.mark.django_db

Kind = DeviceMovement.Kind


def test_registering_starts_the_history(merchant):
    model = factories.DeviceModelFactory(name="A920")
    warehouse = factories.WarehouseFactory(code="sh-main")
    deployed = device_register(
        serial_number="REG-1", model=model, merchant=merchant.merchant, activated_on=timezone.localdate()
    )
    in_stock = device_register(serial_number="REG-2", model=model, merchant=None, warehouse=warehouse)
    assert [(m.kind, m.to_status, m.merchant) for m in deployed.movements.all()] == [
        (Kind.DEPLOYED, Device.Status.DEPLOYED, merchant.merchant)
    ]
    assert (in_stock.status, in_stock.warehouse) == (Device.Status.IN_STOCK, warehouse)
    assert [(m.kind, m.warehouse) for m in in_stock.movements.all()] == [(Kind.RECEIVED, warehouse)]


def test_a_terminal_goes_round_its_lifecycle(dispatcher, merchant):
    warehouse = factories.WarehouseFactory(code="sh-main")
    device = factories.device_in_stock(warehouse)
    lifecycle.device_deploy(device=device, merchant=merchant.merchant, by=dispatcher, tid="123", mid="456")
    lifecycle.device_to_repair(device=device, by=dispatcher, keep_merchant=False)
    lifecycle.device_restock(device=device, warehouse=warehouse, by=dispatcher)
    lifecycle.device_scrap(device=device, by=dispatcher, note="Board burnt.")
    device.refresh_from_db()
    assert (device.status, device.warehouse, device.merchant, device.tid) == (Device.Status.RETIRED, None, None, "")
    moves = list(device.movements.order_by("at", "pk").values_list("kind", "from_status", "to_status"))
    assert moves == [
        (Kind.DEPLOYED, "in_stock", "deployed"),
        (Kind.TO_REPAIR, "deployed", "in_repair"),
        (Kind.RESTOCKED, "in_repair", "in_stock"),
        (Kind.SCRAPPED, "in_stock", "retired"),
    ]
    assert device.get_status_display() == "Scrapped"


def test_a_move_from_a_stale_read_is_refused_not_overwritten(dispatcher, merchant, other_merchant):
    device = factories.device_in_stock()
    stale = Device.objects.get(pk=device.pk)
    lifecycle.device_deploy(device=device, merchant=merchant.merchant, by=dispatcher)
    with pytest.raises(StateConflict):
        lifecycle.device_deploy(device=stale, merchant=other_merchant.merchant, by=dispatcher)
    device.refresh_from_db()
    assert device.merchant == merchant.merchant
    assert device.movements.count() == 1


def test_a_deployed_terminal_cannot_be_scrapped_or_restocked_directly(dispatcher):
    device = factories.DeviceFactory()
    with pytest.raises(StateConflict):
        lifecycle.device_scrap(device=device, by=dispatcher)
    assert not device.movements.exists()


@pytest.fixture
def swapped(merchant, dispatcher, technician, sla_policy):
    """`merchant`'s terminal swapped for one from stock that had been with another merchant before."""
    faulty = factories.device_in_warranty(merchant.merchant)
    replacement = factories.device_in_stock(serial_number="REPL-1")
    earlier = factories.merchant_user().merchant
    lifecycle.device_deploy(device=replacement, merchant=earlier, by=dispatcher)
    lifecycle.device_to_repair(device=replacement, by=dispatcher, keep_merchant=False)
    lifecycle.device_restock(device=replacement, warehouse=factories.WarehouseFactory(code="sh-main"), by=dispatcher)
    ticket = factories.file_ticket(merchant, device=faulty)
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    services.ticket_resolve(
        ticket=ticket, by=technician.user, outcome="swapped", work_done="Swapped.", replacement_serial="REPL-1"
    )
    return {"faulty": faulty, "replacement": Device.objects.get(serial_number="REPL-1"), "ticket": ticket}


def test_the_merchant_sees_only_the_moves_made_at_its_site(swapped, merchant, other_merchant, dispatcher):
    page = session_client(merchant).get(reverse("devices:detail", args=["REPL-1"])).content.decode()
    assert "Deployed as a replacement" in page and swapped["ticket"].number in page
    assert "Back in stock" not in page and "Sent for repair" not in page  # its earlier life elsewhere

    staff_page = session_client(dispatcher).get(reverse("devices:detail", args=["REPL-1"])).content.decode()
    assert "Back in stock" in staff_page and "Sent for repair" in staff_page
    assert session_client(other_merchant).get(reverse("devices:detail", args=["REPL-1"])).status_code == 404
    # The faulty terminal is the provider's again: its former merchant no longer reaches it.
    faulty = swapped["faulty"].serial_number
    assert session_client(merchant).get(reverse("devices:detail", args=[faulty])).status_code == 404
    assert (
        "Swapped out for repair"
        in session_client(dispatcher).get(reverse("devices:detail", args=[faulty])).content.decode()
    )


def test_the_api_lists_the_moves_within_the_partners_scope(swapped, api_key, other_api_key, dispatcher_api):
    partner = key_client(api_key)
    answer = partner.get("/api/v1/devices/REPL-1/movements/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["kind"] for row in rows] == ["swapped_in"]
    assert rows[0]["ticket"] == swapped["ticket"].number and rows[0]["counterpart"] == swapped["faulty"].serial_number
    assert partner.get("/api/v1/devices/REPL-1/").json()["warehouse"] is None

    assert key_client(other_api_key).get("/api/v1/devices/REPL-1/movements/").status_code == 404
    assert (
        key_client(other_api_key).get(f"/api/v1/devices/{swapped['faulty'].serial_number}/movements/").status_code
        == 404
    )
    everything = dispatcher_api.get("/api/v1/devices/REPL-1/movements/").json()["results"]
    assert [row["kind"] for row in everything] == ["swapped_in", "restocked", "to_repair", "deployed"]


def test_the_ticket_api_reports_the_downtime(swapped, partner_api):
    body = partner_api.get(f"/api/v1/tickets/{swapped['ticket'].number}/").json()
    ticket = swapped["ticket"]
    ticket.refresh_from_db()
    assert body["restored_at"] is not None
    assert body["downtime_seconds"] == int(ticket.downtime.total_seconds())


def test_staff_put_a_repaired_terminal_back_in_stock_from_its_page(swapped, dispatcher, merchant, technician):
    faulty = swapped["faulty"].serial_number
    url = reverse("devices:move", args=[faulty])
    for outsider in (merchant, technician.user):
        assert session_client(outsider).post(url, {"move-move": "stock"}).status_code == 404
    staff = session_client(dispatcher)
    refused = staff.post(url, {"move-move": "stock"})
    assert refused.status_code == 200 and "Choose the warehouse it goes to." in refused.content.decode()
    warehouse = factories.WarehouseFactory(code="sh-main")
    assert (
        staff.post(url, {"move-move": "stock", "move-warehouse": warehouse.pk, "move-note": "New screen."}).status_code
        == 302
    )
    device = Device.objects.get(serial_number=faulty)
    assert (device.status, device.warehouse, device.site_address) == (Device.Status.IN_STOCK, warehouse, "")
    restocked = device.movements.get(kind=Kind.RESTOCKED)
    assert (restocked.by, restocked.note, restocked.warehouse) == (dispatcher, "New screen.", warehouse)
    # Deployed terminals are not moved from here.
    replacement_url = reverse("devices:move", args=["REPL-1"])
    staff.post(replacement_url, {"move-move": "scrap"})
    assert Device.objects.get(serial_number="REPL-1").status == Device.Status.DEPLOYED


def _cycles(device, *, merchant, by, warehouse, count):
    for _ in range(count):
        lifecycle.device_deploy(device=device, merchant=merchant, by=by)
        lifecycle.device_to_repair(device=device, by=by, keep_merchant=False)
        lifecycle.device_restock(device=device, warehouse=warehouse, by=by)


def test_the_history_costs_the_same_queries_however_long_it_is(dispatcher, merchant, dispatcher_api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warehouse = factories.WarehouseFactory(code="sh-main")
    short, long = factories.device_in_stock(warehouse), factories.device_in_stock(warehouse)
    _cycles(short, merchant=merchant.merchant, by=dispatcher, warehouse=warehouse, count=1)
    _cycles(long, merchant=merchant.merchant, by=dispatcher, warehouse=warehouse, count=3)
    client = session_client(dispatcher)
    counts = []
    for device in (short, long):
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("devices:detail", args=[device.serial_number])).status_code == 200
        with CaptureQueriesContext(connection) as api:
            rows = dispatcher_api.get(f"/api/v1/devices/{device.serial_number}/movements/").json()["results"]
        counts.append((len(page), len(api)))
        assert len(rows) == device.movements.count()
    assert counts[0] == counts[1]


def test_a_terminal_a_loaner_stands_in_for_is_not_restocked_or_scrapped(merchant, dispatcher, technician, sla_policy):
    from tickets import loans

    own = factories.device_in_warranty(merchant.merchant, serial_number="OWN-1")
    factories.device_in_stock(serial_number="LOAN-1")
    ticket = factories.file_ticket(merchant, device=own)
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    loans.loan_lend(ticket=ticket, serial="LOAN-1", by=dispatcher)
    own.refresh_from_db()
    for move in (
        lambda: lifecycle.device_scrap(device=own, by=dispatcher),
        lambda: lifecycle.device_restock(
            device=own, warehouse=factories.WarehouseFactory(code="sh-main"), by=dispatcher
        ),
    ):
        with pytest.raises(StateConflict, match="A loaner stands in for this terminal"):
            move()
    page = session_client(dispatcher).get(reverse("devices:detail", args=["OWN-1"])).content.decode()
    assert 'data-testid="device-move"' not in page
    assert Device.objects.get(pk=own.pk).status == Device.Status.IN_REPAIR

"""A paid repair that ends in a swap (换机), end to end in a real browser: the technician quotes a part
and a visit on a phone, the merchant approves it on a phone, the technician resolves with the outcome
"swapped" and types the replacement's serial; the receipt charges the approved quote and names both
terminals, and the terminals' pages show the faulty one in repair and the replacement deployed with
the merchant's TID/MID."""

from decimal import Decimal

import pytest

from devices.models import Device
from tests.browser.conftest import DESKTOP, PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import (
    PASSWORD,
    DeviceFactory,
    DeviceModelFactory,
    SparePartFactory,
    device_in_stock,
    file_ticket,
    stock_of,
)
from tests.helpers import check_in
from tickets import services
from tickets.models import Quote, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paid_repair(merchant, dispatcher, technician, sla_policy):
    """An out-of-warranty A920 bound to the merchant's acquirer, which accepts A920s only; the
    technician on site; a screen for it in stock; an A920 and a P2 in stock at the technician's
    warehouse."""
    acquirer = merchant.merchant.partner
    device = DeviceFactory(
        merchant=merchant.merchant,
        serial_number="PAX-A920-9400",
        tid="10009400",
        mid="898310058120400",
        acquirer=acquirer,
    )  # no warranty on record
    acquirer.accepted_models.add(device.model)
    screen = SparePartFactory(sku="SCR-A920", name="A920 touch screen assembly", unit_cost=Decimal("420.00"), stock=3)
    screen.compatible_models.add(device.model)
    device_in_stock(serial_number="PAX-A920-9499", model=device.model)
    device_in_stock(serial_number="SUNMI-P2-9488", model=DeviceModelFactory(name="P2", brand="SUNMI"))
    ticket = file_ticket(merchant, device, fault_category="screen", description="The screen is cracked.")
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return Ticket.objects.get(pk=ticket.pk), screen


def test_a_quoted_repair_ends_in_a_swap_and_the_receipt_charges_the_quote(
    open_page, merchant, technician, manager, paid_repair, tmp_path
):
    ticket, screen = paid_repair
    url = f"/tickets/{ticket.number}/"

    # The technician, on site, quotes a screen and a visit from a phone.
    tech = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(tech, technician.user.username, PASSWORD)
    tech.goto(url)
    assert "Out of warranty and no approved quote" in tech.inner_text("[data-testid=resolve-charge]")
    tech.click("[data-testid=send-quote] summary")
    tech.select_option("#id_quote_parts-0-part", value=str(screen.pk))
    tech.fill("#id_quote_parts-0-quantity", "1")
    tech.fill("#id_quote-labour_quantity", "1")
    tech.fill("#id_quote-note", "Replace the touch screen, or swap the terminal if the board is hit too.")
    assert has_no_horizontal_scroll(tech)
    tech.click("[data-testid=send-quote-button]")
    tech.wait_for_selector("text=Quote sent to the merchant; the ticket waits for the answer.")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_MERCHANT

    # The merchant approves it from a phone.
    shop = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(shop, merchant.username, PASSWORD)
    shop.goto(url)
    assert shop.inner_text("[data-testid=quote-total]") == "¥500.00"
    assert has_no_horizontal_scroll(shop)
    shop.click("[data-testid=approve-quote]")
    shop.wait_for_selector("text=Quote approved; the repair goes ahead.")
    assert Quote.objects.get(ticket=ticket).status == Quote.Status.APPROVED

    # The technician resolves with a swap: first a model the acquirer does not accept, then the A920.
    tech.goto(url)
    assert "the approved quote, ¥500.00" in tech.inner_text("[data-testid=resolve-charge]")
    tech.select_option("#id_resolve-outcome", value="swapped")
    tech.fill("#id_resolve-work_done", "The main board is hit as well; swapped the terminal on site.")
    tech.fill("#id_resolve-replacement_serial", "SUNMI-P2-9488")
    tech.click("[data-testid=complete]")
    field = tech.wait_for_selector(".field.invalid:has(#id_resolve-replacement_serial)")
    assert "does not accept" in field.inner_text()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ON_SITE
    tech.fill("#id_resolve-replacement_serial", "pax-a920-9499")  # as a phone keyboard may type it
    tech.click("[data-testid=complete]")
    tech.wait_for_selector("text=Ticket resolved; the merchant is asked to rate the service.")
    assert tech.inner_text("[data-testid=swapped-out]") == "PAX-A920-9400"
    assert tech.inner_text("[data-testid=swapped-in]") == "PAX-A920-9499"
    assert has_no_horizontal_scroll(tech)
    assert stock_of(screen) == 3  # the screen was not fitted: the whole terminal went

    # The merchant's page and receipt: the approved quote is the charge, both serials named.
    shop.goto(url)
    assert "Charged: parts ¥420.00 + labour ¥80.00 = ¥500.00" in shop.inner_text("[data-testid=charge]")
    assert "¥500.00" in shop.inner_text("[data-testid=approved-quote]")
    shop.click("[data-testid=receipt-link]")
    assert "Charged: parts ¥420.00 + labour ¥80.00 = ¥500.00" in shop.inner_text("[data-testid=receipt-charge]")
    assert "PAX-A920-9400" in shop.inner_text("[data-testid=receipt-swapped-out]")
    assert "PAX-A920-9499" in shop.inner_text("[data-testid=receipt-swapped-in]")
    assert has_no_horizontal_scroll(shop)
    shop.screenshot(path=str(tmp_path / "paid-swap-receipt-phone.png"), full_page=True)

    # The terminals' pages, as the manager sees them.
    office = open_page(DESKTOP)
    sign_in(office, manager.username, PASSWORD)
    office.goto("/devices/PAX-A920-9400/")
    assert office.inner_text("[data-testid=device-status]").startswith("In repair")
    assert "PAX-A920-9499" in office.inner_text("[data-testid=movements]")
    assert office.eval_on_selector("[data-testid=movements]", "e => getComputedStyle(e).listStyleType") == "none"
    assert office.text_content("#id_move-warehouse option[value='']") == "— choose —"
    assert office.title().startswith("PAX-A920-9400 · ")
    assert "<" not in office.title()
    office.goto("/devices/PAX-A920-9499/")
    assert office.inner_text("[data-testid=device-status]") == "Deployed"
    assert "10009400 / 898310058120400" in office.inner_text("[data-testid=binding]")
    assert "Deployed as a replacement" in office.inner_text("[data-testid=movements]")
    replacement = Device.objects.get(serial_number="PAX-A920-9499")
    assert (replacement.merchant_id, replacement.tid, replacement.mid) == (
        merchant.merchant_id,
        "10009400",
        "898310058120400",
    )
    assert Device.objects.get(serial_number="PAX-A920-9400").tid == ""

    # The merchant sees the replacement as theirs, with the binding moved over.
    shop.goto("/devices/PAX-A920-9499/")
    assert "10009400" in shop.inner_text("[data-testid=binding]")
    assert has_no_horizontal_scroll(shop)

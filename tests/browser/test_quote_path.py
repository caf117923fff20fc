"""An out-of-warranty repair in a real browser, on phones: the technician quotes a part and a visit, the
merchant approves it, the technician completes the job, and the receipt charges the approved amount."""

from decimal import Decimal

import pytest

from tests.browser.conftest import PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import PASSWORD, DeviceFactory, SparePartFactory, file_ticket
from tests.helpers import check_in
from tickets import services
from tickets.models import Quote, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def repair(merchant, dispatcher, technician, sla_policy):
    """An out-of-warranty terminal's repair, the technician on site; a screen fits the terminal."""
    device = DeviceFactory(merchant=merchant.merchant, serial_number="PAX-A920-9300")  # no warranty on record
    screen = SparePartFactory(sku="SCR-A920", name="A920 touch screen assembly", unit_cost=Decimal("420.00"), stock=3)
    screen.compatible_models.add(device.model)
    ticket = file_ticket(merchant, device, fault_category="screen", description="The screen is cracked.")
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return Ticket.objects.get(pk=ticket.pk), screen


def test_a_quote_approved_on_a_phone_is_what_the_receipt_charges(open_page, merchant, technician, repair):
    ticket, screen = repair
    url = f"/tickets/{ticket.number}/"

    tech = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(tech, technician.user.username, PASSWORD)
    tech.goto(url)
    assert "Out of warranty and no approved quote" in tech.inner_text("[data-testid=resolve-charge]")
    tech.click("[data-testid=send-quote] summary")
    tech.select_option("#id_quote_parts-0-part", value=str(screen.pk))
    tech.fill("#id_quote_parts-0-quantity", "1")
    tech.fill("#id_quote-labour_quantity", "1")
    tech.fill("#id_quote-note", "Replace the touch screen assembly.")
    assert tech.locator("#id_quote_parts-0-unit_price").count() == 0  # prices are the manager's
    assert has_no_horizontal_scroll(tech)
    tech.click("[data-testid=send-quote-button]")
    tech.wait_for_selector("text=Quote sent to the merchant; the ticket waits for the answer.")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING_MERCHANT

    shop = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(shop, merchant.username, PASSWORD)
    shop.goto(url)
    quote = shop.inner_text("[data-testid=quote]")
    assert "A920 touch screen assembly" in quote and "¥420.00" in quote and "¥80.00" in quote
    assert shop.inner_text("[data-testid=quote-total]") == "¥500.00"
    assert "VAT included (13%)" in shop.inner_text("[data-testid=tax-note]")
    assert has_no_horizontal_scroll(shop)
    shop.click("[data-testid=approve-quote]")
    shop.wait_for_selector("text=Quote approved; the repair goes ahead.")
    assert "¥500.00" in shop.inner_text("[data-testid=approved-quote]")  # stays on the page
    assert Quote.objects.get(ticket=ticket).status == Quote.Status.APPROVED

    tech.goto(url)
    assert "the approved quote, ¥500.00" in tech.inner_text("[data-testid=resolve-charge]")
    tech.select_option("#id_resolve-outcome", value="replaced")
    tech.fill("#id_resolve-work_done", "Replaced the touch screen; a test sale went through.")
    tech.select_option("#id_parts-0-part", value=str(screen.pk))
    tech.click("[data-testid=complete]")
    tech.wait_for_selector("text=Ticket resolved; the merchant is asked to rate the service.")

    shop.goto(url)
    assert "Charged: parts ¥420.00 + labour ¥80.00 = ¥500.00" in shop.inner_text("[data-testid=charge]")
    assert "¥500.00" in shop.inner_text("[data-testid=approved-quote]")
    shop.click("[data-testid=receipt-link]")
    receipt = shop.inner_text("[data-testid=receipt]")
    assert "A920 touch screen assembly" in receipt and "VAT included (13%)" in receipt
    assert "Charged: parts ¥420.00 + labour ¥80.00 = ¥500.00" in shop.inner_text("[data-testid=receipt-charge]")
    assert has_no_horizontal_scroll(shop)

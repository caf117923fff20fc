"""A swap (换机) in a real browser, on a phone: the technician types a serial that does not exist and
is told so on the field, then the replacement's serial; the receipt shows both terminals, and the
replacement's page its history."""

import pytest

from devices.models import Device
from tests.browser.conftest import DESKTOP, PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import PASSWORD, device_in_stock, device_in_warranty, file_ticket
from tests.helpers import check_in
from tickets import loans, services
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_site(merchant, dispatcher, technician, sla_policy):
    device = device_in_warranty(
        merchant.merchant, serial_number="PAX-A920-7001", tid="10007001", acquirer=merchant.merchant.partner
    )
    ticket = file_ticket(merchant, device)
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return Ticket.objects.get(pk=ticket.pk)


def test_the_technician_swaps_the_terminal_on_a_phone_and_the_receipt_shows_both(
    open_page, on_site, technician, merchant, tmp_path
):
    device_in_stock(serial_number="PAX-A920-7999")
    phone = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, technician.user.username, PASSWORD)
    phone.goto(f"/tickets/{on_site.number}/")
    phone.select_option("#id_resolve-outcome", value="swapped")
    phone.fill("#id_resolve-work_done", "Main board fault; swapped the terminal on site.")
    phone.fill("#id_resolve-replacement_serial", "NO-SUCH-SERIAL")
    phone.click("[data-testid=complete]")
    field = phone.wait_for_selector(".field.invalid:has(#id_resolve-replacement_serial)")
    assert "No terminal has the serial number NO-SUCH-SERIAL" in field.inner_text()
    assert phone.input_value("#id_resolve-work_done") == "Main board fault; swapped the terminal on site."
    assert Ticket.objects.get(pk=on_site.pk).status == Status.ON_SITE

    phone.fill("#id_resolve-replacement_serial", "PAX-A920-7999")
    phone.click("[data-testid=complete]")
    phone.wait_for_selector("text=Ticket resolved; the merchant is asked to rate the service.")
    assert phone.inner_text("[data-testid=swapped-in]") == "PAX-A920-7999"
    assert phone.inner_text("[data-testid=swapped-out]") == "PAX-A920-7001"
    assert has_no_horizontal_scroll(phone)
    phone.screenshot(path=str(tmp_path / "swap-ticket-phone.png"), full_page=True)
    replacement = Device.objects.get(serial_number="PAX-A920-7999")
    assert (replacement.status, replacement.tid) == (Device.Status.DEPLOYED, "10007001")

    # The merchant's receipt, on their phone.
    shop = open_page(PHONE, is_mobile=True)
    sign_in(shop, merchant.username, PASSWORD)
    shop.goto(f"/tickets/{on_site.number}/receipt/")
    assert "PAX-A920-7001" in shop.inner_text("[data-testid=receipt-swapped-out]")
    assert "PAX-A920-7999" in shop.inner_text("[data-testid=receipt-swapped-in]")
    assert has_no_horizontal_scroll(shop)
    shop.screenshot(path=str(tmp_path / "swap-receipt-phone.png"), full_page=True)

    # The replacement is now the merchant's: its page shows how it came.
    shop.goto("/devices/PAX-A920-7999/")
    assert "Deployed as a replacement" in shop.inner_text("[data-testid=movements]")
    assert "PAX-A920-7001" in shop.inner_text("[data-testid=movements]")
    shop.screenshot(path=str(tmp_path / "device-phone.png"), full_page=True)


def test_a_dispatcher_lends_and_takes_back_a_loaner_on_the_desktop(open_page, on_site, dispatcher, tmp_path):
    device_in_stock(serial_number="SUNMI-P2-7888")
    page = open_page(DESKTOP)
    sign_in(page, dispatcher.username, PASSWORD)
    page.goto(f"/tickets/{on_site.number}/")
    page.fill("#id_lend-serial", "SUNMI-P2-7888")
    page.click("[data-testid=lend]")
    page.wait_for_selector("text=Loaner lent; the merchant's terminal goes to the depot for repair.")
    assert "SUNMI-P2-7888" in page.inner_text("[data-testid=loan-out]")
    assert "not yet · out for 0 days" in page.inner_text("[data-testid=loan-out]")
    assert "down for" in page.inner_text("[data-testid=downtime]")
    page.screenshot(path=str(tmp_path / "loan-desktop.png"), full_page=True)
    page.click("[data-testid=loan-return]")
    page.wait_for_selector("text=The merchant's own terminal is back in service; the loaner is back in stock.")
    assert loans.loan_out_for(on_site) is None
    page.goto("/devices/PAX-A920-7001/")
    page.screenshot(path=str(tmp_path / "device-desktop.png"), full_page=True)
    assert "Back at the merchant after repair" in page.inner_text("[data-testid=movements]")

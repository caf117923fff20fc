"""The merchant's path in a real browser: sign in, file with a photo, follow, reply, rate."""

import io
import re

import pytest
from PIL import Image

from tests.browser.conftest import PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import PASSWORD, device_in_warranty
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def device(merchant, sla_policy):
    return device_in_warranty(merchant.merchant, serial_number="PAX-A920-9100")


def test_a_merchant_files_follows_replies_and_rates(open_page, merchant, dispatcher, device):
    page = open_page()
    sign_in(page, merchant.username, PASSWORD)
    assert page.url.endswith("/tickets/")

    page.click("[data-testid=new-request]")
    page.select_option("#id_device", value=str(device.pk))
    page.select_option("#id_kind", value="repair")
    page.select_option("#id_fault_category", value="printer")
    page.fill("#id_description", "The printer stops halfway through a receipt.")
    page.set_input_files("#id_photos", [{"name": "printer.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.fill("#id_contact_phone", "139 0013 9000")
    page.click("[data-testid=file-request]")
    page.wait_for_selector("[data-testid=ticket-number]")

    ticket = Ticket.objects.get()
    assert page.inner_text("[data-testid=ticket-number]") == ticket.number
    assert "In warranty until" in page.inner_text("[data-testid=warranty-reason]")
    deadlines = page.inner_text("[data-testid=deadlines]")
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", deadlines)
    assert "left" in page.inner_text("[data-testid=sla]")
    # The photo loads, through the view that checks who is asking.
    assert page.locator("[data-testid=filing-photos] img").count() == 1
    width = page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=filing-photos] img');"
        " return img.complete && img.naturalWidth; }"
    )
    assert width.json_value() == 64

    # Back to the form and submit it again: the same ticket, not a second one.
    page.go_back()
    page.click("[data-testid=file-request]")
    page.wait_for_selector("[data-testid=ticket-number]")
    assert page.inner_text("[data-testid=ticket-number]") == ticket.number
    assert Ticket.objects.count() == 1

    page.fill("#id_reply-body", "It also beeps three times.")
    page.click("#reply button[value=public]")
    page.wait_for_selector("text=Reply sent.")
    assert "It also beeps three times." in page.inner_text("[data-testid=timeline]")

    # Staff work the ticket meanwhile.
    services.ticket_acknowledge(ticket=Ticket.objects.get(), by=dispatcher)
    services.ticket_resolve(
        ticket=Ticket.objects.get(), by=dispatcher, outcome="remote", work_done="Reset the printer driver remotely."
    )
    page.reload()
    timeline = page.inner_text("[data-testid=timeline]")
    assert "Acknowledged" in timeline and "Resolved" in timeline
    assert "Reset the printer driver remotely." in page.inner_text("[data-testid=result]")

    page.click("label[for=rating-4]")
    page.fill("#id_feedback-comment", "Fixed within the hour.")
    page.click("[data-testid=rate] button[type=submit]")
    page.wait_for_selector("[data-testid=feedback]")
    assert "4 of 5" in page.inner_text("[data-testid=feedback]")
    assert page.inner_text("[data-testid=ticket-status]") == "Closed"
    ticket = Ticket.objects.get()
    assert (ticket.feedback.rating, ticket.status) == (4, "closed")

    page.click("[data-testid=receipt-link]")
    receipt = page.inner_text("[data-testid=receipt]")
    assert ticket.number in receipt and "PAX-A920-9100" in receipt and "Reset the printer driver remotely." in receipt


def test_the_request_form_fits_a_phone(open_page, merchant, device):
    page = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(page, merchant.username, PASSWORD)
    page.goto("/tickets/new/")
    assert has_no_horizontal_scroll(page)
    for selector in ("#id_device", "#id_serial", "#id_kind", "#id_description", "#id_photos", "#id_contact_phone"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    # Sent with a mistake, the form says what to fix, keeps the text, and still fits.
    page.fill("#id_description", "Card reader does not read chips.")
    page.select_option("#id_fault_category", value="card_reader")
    page.fill("#id_serial", device.serial_number.lower())
    page.fill("#id_contact_phone", "12345")
    page.tap("[data-testid=file-request]")
    page.wait_for_selector("[data-testid=form-errors]")
    assert "Enter a mainland China mobile number" in page.inner_text(".field.invalid")
    assert page.input_value("#id_description") == "Card reader does not read chips."
    assert has_no_horizontal_scroll(page)

    page.fill("#id_contact_phone", "13800138000")
    page.tap("[data-testid=file-request]")
    page.wait_for_selector("[data-testid=ticket-number]")
    assert Ticket.objects.get().device == device
    assert has_no_horizontal_scroll(page)

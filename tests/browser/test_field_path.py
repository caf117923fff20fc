"""The field work in a real browser: the dispatcher assigns with a warning to confirm; on a phone the
technician accepts, sets off, checks in with the merchant's code and location, and completes with a
photo and the merchant's signature; the merchant sees a verified visit."""

import pytest

from tests.browser.conftest import PHONE, has_no_horizontal_scroll, sign_in
from tests.browser.test_merchant_path import png_bytes
from tests.factories import PASSWORD, TechnicianFactory, device_in_warranty, file_ticket
from tickets import services
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = {"latitude": 31.2289, "longitude": 121.4490, "accuracy": 18}


@pytest.fixture
def ticket(merchant, sla_policy):
    device = device_in_warranty(merchant.merchant, serial_number="PAX-A920-9200")
    return file_ticket(merchant, device)


def test_the_dispatcher_assigns_from_the_console_with_a_warning_to_confirm(open_page, dispatcher, ticket):
    local = TechnicianFactory(user__username="tech-local", user__first_name="Zhang")
    stranger = TechnicianFactory(user__username="tech-far", user__first_name="Li", regions=[])
    page = open_page()
    sign_in(page, dispatcher.username, PASSWORD)
    page.goto("/tickets/console/")
    page.click(f"text={ticket.number}")
    page.wait_for_selector("[data-testid=assign]")
    candidates = page.locator("[data-testid=candidate]")
    assert candidates.first.get_attribute("data-technician") == local.user.username  # suggested first
    assert "Needs a reason: outside the region" in page.inner_text("[data-technician=tech-far]")

    page.check(f"[data-technician=tech-far] input[value='{stranger.pk}']")
    page.click("[data-testid=assign] button[type=submit]")
    warning = page.wait_for_selector("[data-testid=assign-warning]")
    assert "Li is outside the region" in warning.inner_text()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW  # nothing happened yet

    page.fill("#id_assign-override_reason", "Li covers Shanghai this week.")
    page.click("[data-testid=assign] button[type=submit]")
    page.wait_for_selector("text=Technician assigned.")
    assert Ticket.objects.get(pk=ticket.pk).active_assignment.technician == stranger
    concerns = page.inner_text("[data-testid=assign-concerns]")
    assert "outside the region" in concerns and "Li covers Shanghai this week." in concerns


def test_the_technician_works_the_job_on_a_phone_and_the_merchant_sees_a_verified_visit(
    open_page, merchant, dispatcher, technician, ticket
):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    phone = open_page(PHONE, is_mobile=True, has_touch=True, permissions=["geolocation"], geolocation=SHOP)
    sign_in(phone, technician.user.username, PASSWORD)
    assert phone.url.endswith("/tickets/jobs/")
    card = f"[data-number='{ticket.number}']"
    assert ticket.device.serial_number in phone.inner_text(card)
    assert has_no_horizontal_scroll(phone)
    phone.click(f"{card} >> text=Accept the job")
    phone.wait_for_selector("text=Job accepted.")
    phone.goto("/tickets/jobs/")
    phone.click(f"{card} >> text=I am on my way")
    phone.wait_for_selector("text=The merchant is told you are on the way.")

    # The merchant reads the code off their own page (and from the notice) and says it on site.
    shop = open_page()
    sign_in(shop, merchant.username, PASSWORD)
    shop.goto(f"/tickets/{ticket.number}/")
    code = shop.inner_text("[data-testid=confirmation-code] .code").replace(" ", "")
    assert code == Ticket.objects.get(pk=ticket.pk).confirmation_code

    phone.goto(f"/tickets/{ticket.number}/")
    phone.fill("#id_check_in-code", code)
    phone.click("[data-testid=check-in] button[type=submit]")
    phone.wait_for_selector("text=Checked in on site: the visit is verified.")
    visit = Ticket.objects.get(pk=ticket.pk).visits.get()
    assert visit.verified and visit.accuracy_m == 18
    assert (float(visit.latitude), float(visit.longitude)) == (SHOP["latitude"], SHOP["longitude"])
    assert has_no_horizontal_scroll(phone)

    phone.select_option("#id_resolve-outcome", value="repaired")
    phone.fill("#id_resolve-work_done", "Cleaned the print head; test receipt is sharp.")
    phone.set_input_files("#id_resolve-photos", [{"name": "after.png", "mimeType": "image/png", "buffer": png_bytes()}])
    pad = phone.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] * (0.3 if step % 2 else 0.7))
    phone.mouse.up()
    phone.fill("#id_resolve-signed_by", "王丽")
    phone.click("[data-testid=complete]")
    phone.wait_for_selector("text=Ticket resolved; the merchant is asked to rate the service.")
    report = Ticket.objects.get(pk=ticket.pk).report
    assert report.photos.count() == 1 and report.signature.signed_by == "王丽"

    shop.reload()
    assert shop.get_attribute("[data-testid=visits] li", "data-verified") == "yes"
    assert "Verified" in shop.inner_text("[data-testid=visits]")
    signature = shop.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=signature] img');"
        " return img && img.complete && img.naturalWidth; }"
    )
    assert signature.json_value() > 0

"""In Chromium: on a phone the technician's next step is the first card of the ticket page; a manager
rejects a visit staff recorded from the page; the receipt reads right in Chinese. Set SCREENSHOT_DIR
to keep what the browser showed."""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import PASSWORD, device_in_warranty, file_ticket
from tickets import services
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ticket(merchant, sla_policy, dispatcher, technician):
    device = device_in_warranty(merchant.merchant, serial_number="PAX-A920-9300")
    ticket = file_ticket(merchant, device)
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    return Ticket.objects.get(pk=ticket.pk)


def keep(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def top(page, selector) -> float:
    return page.locator(selector).bounding_box()["y"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_technicians_next_step_comes_first(open_page, technician, ticket, viewport):
    page = open_page(viewport)
    sign_in(page, technician.user.username, PASSWORD)
    page.goto(f"/tickets/{ticket.number}/")
    assert top(page, "[data-testid=quick-actions]") < top(page, "[data-testid=request]")
    assert page.locator("[data-testid=accept]").is_visible()
    assert has_no_horizontal_scroll(page)
    keep(page, f"technician-ticket-{viewport['width']}")


def test_a_manager_rejects_a_visit_on_a_phone(open_page, dispatcher, manager, ticket):
    services.ticket_visit_record(ticket=ticket, by=dispatcher, reason="The merchant called; the phone died.")
    page = open_page(PHONE, is_mobile=True, has_touch=True)
    sign_in(page, manager.username, PASSWORD)
    page.goto(f"/tickets/{ticket.number}/")
    page.click("[data-testid=reject-visit] summary")
    keep(page, "manager-reject-visit-390")
    assert has_no_horizontal_scroll(page)
    page.fill("#id_reject-reason", "The merchant says nobody came.")
    page.click("[data-testid=reject-visit] button[type=submit]")
    page.wait_for_selector("text=Visit rejected; the ticket is back to dispatched.")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED
    assert "rejected by" in page.inner_text("[data-testid=visits]")
    keep(page, "manager-visit-rejected-390")


def test_the_receipt_in_chinese_on_a_phone(open_page, live_server, merchant, technician, ticket):
    from tests.helpers import check_in

    check_in(ticket, technician)
    services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="清洁打印头。")
    for viewport in (PHONE, DESKTOP):
        page = open_page(viewport)
        page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
        sign_in(page, merchant.username, PASSWORD)
        page.goto(f"/tickets/{ticket.number}/receipt/")
        text = page.inner_text("[data-testid=receipt]")
        assert "商户签字：" in text and "工程师签字：" in text
        assert has_no_horizontal_scroll(page)
        keep(page, f"receipt-zh-{viewport['width']}")

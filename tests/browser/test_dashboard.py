"""The manager's dashboard in a real browser: open it, change a filter and see a number and a chart
change, follow a number to the tickets behind it, download them and the view's tickets as Excel.
The page also reads well on a phone."""

import datetime
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, has_no_horizontal_scroll, sign_in
from tests.dashboard.conftest import make_ticket
from tests.factories import PASSWORD
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(merchant):
    """Shanghai: three tickets filed 30 hours ago, two answered in an hour. Hangzhou: two, unanswered."""
    shanghai = merchant.merchant
    hangzhou = factories.MerchantFactory(
        name="杭州茶馆", region=factories.RegionFactory(code="hangzhou", name="杭州", name_en="Hangzhou")
    )
    filed = timezone.now() - datetime.timedelta(hours=30)
    for answered in (True, True, False):
        make_ticket(shanghai, filed, responded_at=filed + datetime.timedelta(hours=1) if answered else None)
    for _ in range(2):
        make_ticket(hangzhou, filed)
    return {"shanghai": shanghai, "hangzhou": hangzhou}


def chart_points(page, name):
    box = page.wait_for_selector(f"[data-testid=chart-{name}][data-points]", state="attached")
    return json.loads(box.get_attribute("data-points"))


def excel_numbers(page, link: str) -> list[str]:
    """Click an export link, take the download, and read the ticket numbers of its rows."""
    with page.expect_download() as download:
        page.click(link)
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Ticket"
    return [row[0] for row in rows[1:]]


def screenshot(page, name):
    """Pictures of the page for a person to look at, when SCREENSHOT_DIR names a folder."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_a_manager_filters_drills_down_and_downloads_excel(open_page, manager, world):
    page = open_page(DESKTOP, accept_downloads=True)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, manager.username, PASSWORD)
    assert page.url.endswith("/dashboard/")

    respond = "[data-milestone=respond] [data-count=on_time]"
    assert page.inner_text(respond) == "2"
    assert page.inner_text("[data-testid=filed]") == "5 tickets"
    assert chart_points(page, "regions") == [[2, 1]]  # Hangzhou's two missed, Shanghai's one
    screenshot(page, "dashboard-desktop")

    page.select_option("#id_region", value="hangzhou")  # applies itself
    page.wait_for_url("**/dashboard/?*region=hangzhou*")

    assert page.inner_text(respond) == "0"
    assert page.inner_text("[data-milestone=respond] [data-count=missed]") == "2"
    assert chart_points(page, "regions") == [[2]]
    assert chart_points(page, "trend")[0] == [0.0]
    assert page.locator("[data-testid=chart-trend] svg").count() == 1

    page.click("[data-milestone=respond] [data-count=missed]")
    page.wait_for_selector("[data-testid=drill]")
    rows = page.locator("[data-testid=drill] tbody tr[data-number]")
    assert rows.count() == 2
    assert "杭州茶馆" in page.inner_text("[data-testid=drill]")
    screenshot(page, "drill-desktop")
    hangzhou = sorted(Ticket.objects.filter(merchant=world["hangzhou"]).values_list("number", flat=True))
    assert sorted(rows.nth(i).get_attribute("data-number") for i in range(2)) == hangzhou
    # The tickets behind the number, as the list shows them.
    assert sorted(excel_numbers(page, "[data-testid=export-xlsx]")) == hangzhou

    page.click("[data-testid=back]")
    page.wait_for_url("**/dashboard/?*region=hangzhou*")
    # The whole view: Hangzhou's tickets of the period, none of Shanghai's.
    assert sorted(excel_numbers(page, "[data-testid=export-xlsx]")) == hangzhou
    assert errors == []


def test_it_reads_on_a_phone(open_page, manager, world):
    page = open_page(PHONE)
    sign_in(page, manager.username, PASSWORD)
    chart_points(page, "trend")

    assert has_no_horizontal_scroll(page)
    screenshot(page, "dashboard-phone")

    page.click("[data-milestone=respond] [data-count=missed]")
    page.wait_for_selector("[data-testid=drill]")
    assert page.locator("[data-testid=drill] tbody tr[data-number]").count() == 3
    assert has_no_horizontal_scroll(page)
    screenshot(page, "drill-phone")


def test_the_numbers_are_there_without_script(open_page, manager, world):
    page = open_page(DESKTOP, java_script_enabled=False)
    sign_in(page, manager.username, PASSWORD)

    assert page.inner_text("[data-milestone=respond] [data-count=on_time]") == "2"
    assert page.locator("[data-testid=trend] tbody tr").count() == 1


def test_it_reads_in_chinese(open_page, manager, world):
    page = open_page(DESKTOP)
    sign_in(page, manager.username, PASSWORD)
    with page.expect_navigation():
        page.select_option("#language", "zh-hans")
    chart_points(page, "regions")

    assert page.inner_text("h1") == "看板"
    assert "杭州" in page.inner_text("[data-testid=regions]")
    screenshot(page, "dashboard-chinese")


def test_a_manager_types_a_merchant_and_the_address_keeps_it(open_page, manager, world):
    page = open_page(PHONE)
    sign_in(page, manager.username, PASSWORD)
    assert page.locator("#merchant-suggestions option").count() == 2

    page.fill("#id_merchant_name", "杭州")
    page.press("#id_merchant_name", "Enter")
    page.wait_for_url("**/dashboard/?*merchant_name=*")

    assert page.input_value("#id_merchant_name") == "杭州茶馆"
    assert page.inner_text("[data-testid=filed]") == "2 tickets"
    assert f"merchant={world['hangzhou'].pk}" in page.get_attribute("[data-testid=filed]", "href")
    assert has_no_horizontal_scroll(page)
    screenshot(page, "merchant-filter-phone")

    page.fill("#id_merchant_name", "火锅")
    page.press("#id_merchant_name", "Enter")
    page.wait_for_selector("[data-testid=problems]")
    assert "No merchant matches “火锅”." in page.inner_text("[data-testid=problems]")

"""A manager exports from a phone in Chromium: a small range downloads at once as Excel; a large one
becomes a job whose page refreshes itself (no script) until the download link appears."""

import io
import os
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from dashboard import exports
from dashboard.models import Export
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screenshot(page, name: str) -> None:
    # Set SCREENSHOT_DIR to look at the pages; the test does not need them.
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _rows(download) -> list[tuple]:
    content = Path(download.path()).read_bytes()
    return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def filed(merchant, sla_policy):
    return [factories.file_ticket(merchant) for _ in range(3)]


def test_a_manager_downloads_a_small_range_as_excel_on_a_phone(open_page, manager, filed):
    page = open_page(PHONE, accept_downloads=True)
    sign_in(page, manager.username, PASSWORD)
    page.goto("/dashboard/exports/")
    assert has_no_horizontal_scroll(page)
    _screenshot(page, "exports-list-phone")
    today = timezone.localdate().isoformat()
    page.fill("#id_since", today)
    page.fill("#id_until", today)
    page.select_option("#id_format", "xlsx")
    with page.expect_download() as download:
        page.click("[data-testid=export-form] button[type=submit]")
    assert download.value.suggested_filename.endswith(".xlsx")
    rows = _rows(download.value)
    assert rows[0][0] == "Ticket"
    assert sorted(row[0] for row in rows[1:]) == sorted(t.number for t in filed)
    assert not Export.objects.exists()


def test_a_large_range_shows_its_progress_then_the_download(open_page, live_server, manager, filed, settings):
    settings.EXPORT_BACKGROUND_ROWS = 2
    page = open_page(DESKTOP, accept_downloads=True)
    sign_in(page, manager.username, PASSWORD)
    page.goto("/dashboard/exports/")
    page.select_option("#id_format", "xlsx")
    page.click("[data-testid=export-form] button[type=submit]")
    page.wait_for_selector("[data-testid=export][data-status=queued]")
    assert "0 of 3 tickets written" in page.inner_text("[data-testid=progress]")
    _screenshot(page, "export-progress-desktop")

    # The worker's part, here in the test's process; the page refreshes itself meanwhile.
    assert exports.export_run(export_id=Export.objects.get().pk)
    page.wait_for_selector("[data-testid=download]", timeout=15_000)
    _screenshot(page, "export-ready-desktop")
    with page.expect_download() as download:
        page.click("[data-testid=download]")
    assert sorted(row[0] for row in _rows(download.value)[1:]) == sorted(t.number for t in filed)

    page.goto("/dashboard/exports/")
    assert page.locator("[data-testid=exports] [data-export]").count() == 1
    _screenshot(page, "exports-list-desktop")
    phone = open_page(PHONE)
    sign_in(phone, manager.username, PASSWORD)
    phone.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    phone.goto(f"/dashboard/exports/{Export.objects.get().pk}/")
    assert "可以下载" in phone.inner_text("[data-testid=export-status]")
    assert has_no_horizontal_scroll(phone)
    _screenshot(phone, "export-ready-phone-zh")
    phone.goto("/dashboard/exports/")
    _screenshot(phone, "exports-list-phone-zh")

"""The manager keeps the stock from a phone: finds the low level, moves parts to it, reads the history,
and finds the spare terminals a swap can use."""

import pytest

from stock.services import stock_threshold_set
from tests.browser.conftest import DESKTOP, PHONE, has_no_horizontal_scroll, sign_in
from tests.factories import (
    PASSWORD,
    DeviceModelFactory,
    RegionFactory,
    SparePartFactory,
    WarehouseFactory,
    device_in_stock,
    stock_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stock(manager):
    shanghai = WarehouseFactory()
    hangzhou = WarehouseFactory(
        code="hangzhou-main", name="杭州仓", region=RegionFactory(code="hangzhou", name="杭州", name_en="Hangzhou")
    )
    screen = SparePartFactory(sku="SCR-A920", name="A920 touch screen assembly", stock=12)
    stock_threshold_set(part=screen, warehouse=hangzhou, threshold=2, by=manager)
    SparePartFactory(sku="PRN-A920", name="A920 thermal printer module", stock=8)
    a920 = DeviceModelFactory(name="A920")
    for serial in ("SPARE-SH-1", "SPARE-SH-2"):
        device_in_stock(shanghai, model=a920, serial_number=serial)
    return {"shanghai": shanghai, "hangzhou": hangzhou, "screen": screen}


def test_a_manager_refills_a_low_warehouse_from_a_phone(open_page, manager, stock):
    page = open_page(PHONE)
    sign_in(page, manager.username, PASSWORD)

    page.click("nav.nav >> text=Spare parts stock")
    page.wait_for_url("**/stock/")
    assert has_no_horizontal_scroll(page)
    page.check("#id_low")
    page.click("[data-testid=level-filters] button[type=submit]")
    rows = page.locator("[data-testid=levels] tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-warehouse") == "hangzhou-main"
    assert "Out of stock" in rows.first.inner_text()
    assert has_no_horizontal_scroll(page)

    page.goto("/stock/transfer/")
    page.select_option("#id_part", label="SCR-A920 A920 touch screen assembly")
    page.select_option("#id_source", label="上海总仓")
    page.select_option("#id_destination", label="杭州仓")
    page.fill("#id_quantity", "5")
    page.click("[data-testid=stock-form] button[type=submit]")
    page.wait_for_url("**/stock/?warehouse=*")
    assert "5 × A920 touch screen assembly moved from 上海总仓 to 杭州仓." in page.inner_text(".messages")
    assert page.locator("[data-sku=SCR-A920] [data-testid=quantity]").inner_text() == "5"
    assert (stock_of(stock["screen"], stock["shanghai"]), stock_of(stock["screen"], stock["hangzhou"])) == (7, 5)

    page.click("nav.tabs >> text=Movements")
    assert page.locator("[data-testid=movements] tbody tr").count() == 2
    assert has_no_horizontal_scroll(page)

    page.click("nav.tabs >> text=Spare terminals")
    page.wait_for_url("**/stock/terminals/")
    assert "No spare terminal" in page.inner_text("[data-warehouse=hangzhou-main]")
    assert has_no_horizontal_scroll(page)
    page.click("[data-warehouse=shanghai-main] >> text=List the terminals")
    page.wait_for_url("**/devices/?status=in_stock*")
    cards = page.locator("[data-testid=device-list] article")
    assert [cards.nth(i).get_attribute("data-serial") for i in range(cards.count())] == ["SPARE-SH-1", "SPARE-SH-2"]
    assert "上海总仓" in cards.first.inner_text()
    assert has_no_horizontal_scroll(page)


def test_a_refused_adjustment_keeps_what_was_typed(open_page, manager, stock):
    page = open_page(DESKTOP)
    sign_in(page, manager.username, PASSWORD)

    page.goto(f"/stock/adjust/?part={stock['screen'].pk}&warehouse={stock['shanghai'].pk}")
    page.fill("#id_change", "-20")
    page.fill("#id_reason", "Stocktake")
    page.click("[data-testid=stock-form] button[type=submit]")

    assert "Not enough A920 touch screen assembly at 上海总仓: 20 needed, 12 there." in page.inner_text(
        "[data-testid=stock-form]"
    )
    assert page.input_value("#id_reason") == "Stocktake"
    assert stock_of(stock["screen"], stock["shanghai"]) == 12

"""The managers' stock pages: who may open them, the filters, the forms and their refusals, the CSV."""

import csv
import io

import pytest
from django.urls import reverse

from stock.models import StockMovement
from stock.services import stock_adjust, stock_receive, stock_threshold_set, stock_transfer
from tests.factories import (
    SparePartFactory,
    UserFactory,
    merchant_user,
    partner_user,
    stock_of,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "levels",
    "levels_export",
    "terminals",
    "movements",
    "movements_export",
    "receive",
    "transfer",
    "adjust",
    "threshold",
]


@pytest.fixture
def stocked(manager, shanghai, hangzhou, beijing):
    """Two parts in three warehouses; the screen in Hangzhou is low."""
    printer = SparePartFactory(sku="PRN-A920", name="A920 printer module", stock=12)
    screen = SparePartFactory(sku="SCR-A920", name="A920 touch screen", stock=6)
    stock_receive(part=printer, warehouse=beijing, quantity=4, by=manager)
    stock_transfer(
        part=screen, source=shanghai, destination=hangzhou, quantity=2, by=manager, note="=cmd|' /C calc'!A0"
    )
    stock_threshold_set(part=screen, warehouse=hangzhou, threshold=3, by=manager)
    stock_adjust(part=printer, warehouse=shanghai, change=-1, reason="Dropped in the van", by=manager)
    return {"printer": printer, "screen": screen}


@pytest.mark.parametrize(
    "make",
    [
        lambda: UserFactory(role="dispatcher"),
        lambda: UserFactory(role="technician"),
        merchant_user,
        partner_user,
    ],
    ids=["dispatcher", "technician", "merchant", "partner"],
)
def test_only_managers_and_admins_open_the_stock_pages(client, make):
    client.force_login(make())

    for name in PAGES:
        assert client.get(reverse(f"stock:{name}")).status_code == 403, name
    assert client.post(reverse("stock:receive"), {}).status_code == 403


def test_a_visitor_signs_in_first(client):
    response = client.get(reverse("stock:levels"))

    assert response.status_code == 302 and "/login" in response["Location"]


def test_managers_and_admins_open_every_page_and_see_the_nav_link(client, manager):
    for user in (manager, UserFactory(role="admin")):
        client.force_login(user)
        for name in PAGES:
            assert client.get(reverse(f"stock:{name}")).status_code == 200, name
        assert f'href="{reverse("stock:levels")}"' in client.get(reverse("dashboard:dashboard")).content.decode()
    client.force_login(UserFactory(role="dispatcher"))
    assert f'href="{reverse("stock:levels")}"' not in client.get(reverse("tickets:console")).content.decode()


def rows_of(response):
    return [(level.warehouse.code, level.part.sku, level.quantity) for level in response.context["page"]]


def test_levels_filter_by_warehouse_region_part_and_low(client, manager, stocked, hangzhou, beijing):
    client.force_login(manager)
    levels = reverse("stock:levels")

    everything = rows_of(client.get(levels))
    assert everything == [
        ("beijing-main", "PRN-A920", 4),
        ("hangzhou-main", "SCR-A920", 2),
        ("shanghai-main", "PRN-A920", 11),
        ("shanghai-main", "SCR-A920", 4),
    ]
    assert rows_of(client.get(levels, {"warehouse": beijing.pk})) == [("beijing-main", "PRN-A920", 4)]
    assert rows_of(client.get(levels, {"region": hangzhou.region.pk})) == [("hangzhou-main", "SCR-A920", 2)]
    assert rows_of(client.get(levels, {"part": "screen"})) == [
        ("hangzhou-main", "SCR-A920", 2), ("shanghai-main", "SCR-A920", 4),
    ]  # fmt: skip
    low = client.get(levels, {"low": "on"})
    assert rows_of(low) == [("hangzhou-main", "SCR-A920", 2)]
    assert "Low stock" in low.content.decode()


def test_bad_filters_are_a_400_with_the_field_named(client, manager, stocked):
    client.force_login(manager)

    response = client.get(reverse("stock:levels"), {"warehouse": "not-a-number"})
    movements = client.get(reverse("stock:movements"), {"since": "2026-13-45", "kind": "stolen"})
    export = client.get(reverse("stock:movements_export"), {"until": "yesterday"})

    assert response.status_code == 400
    assert response.context["filter_form"].errors["warehouse"] == ["Choose a warehouse from the list."]
    assert movements.status_code == 400
    assert movements.context["filter_form"].errors == {
        "since": ["Enter a date as YYYY-MM-DD."],
        "kind": ["Choose a kind from the list."],
    }
    assert export.status_code == 400


def test_the_levels_page_takes_the_same_queries_however_many_levels(
    client, manager, stocked, shanghai, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(reverse("stock:levels"))
    for index in range(30):
        SparePartFactory(stock=index)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("stock:levels"))
    assert response.context["page"].paginator.count == 34


def test_movements_list_newest_first_with_filters_and_pages(client, manager, stocked, shanghai):
    client.force_login(manager)
    for _ in range(55):
        stock_receive(part=stocked["printer"], warehouse=shanghai, quantity=1, by=manager)
    movements = reverse("stock:movements")

    first = client.get(movements)
    second = client.get(movements, {"page": 2})
    adjusted = client.get(movements, {"kind": "adjusted"})
    out = client.get(movements, {"kind": "transfer_out"}).content.decode()

    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 9
    assert first.context["page"][0].balance == 11 + 55
    assert [m.note for m in adjusted.context["page"]] == ["Dropped in the van"]
    assert "to 杭州仓" in out


def test_the_movements_page_takes_the_same_queries_however_many_movements(
    client, manager, stocked, shanghai, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(reverse("stock:movements"))
    for _ in range(20):
        stock_receive(part=stocked["screen"], warehouse=shanghai, quantity=1, by=manager)

    with django_assert_max_num_queries(12):
        client.get(reverse("stock:movements"))


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_the_levels_csv_holds_what_the_filters_select(client, manager, stocked):
    client.force_login(manager)

    response = client.get(reverse("stock:levels_export"), {"part": "SCR"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stock-levels-')
    assert read_csv(response) == [
        ["Warehouse code", "Warehouse", "Region", "SKU", "Spare part", "Quantity", "Low-stock threshold", "Low"],
        ["hangzhou-main", "杭州仓", "Hangzhou", "SCR-A920", "A920 touch screen", "2", "3", "yes"],
        ["shanghai-main", "上海总仓", "Shanghai", "SCR-A920", "A920 touch screen", "4", "0", "no"],
    ]


def test_the_movements_csv_has_signed_quantities_and_no_formulas(client, manager, stocked):
    client.force_login(manager)

    rows = read_csv(client.get(reverse("stock:movements_export"), {"part": "SCR-A920"}))

    assert rows[0] == [
        "At", "Warehouse code", "SKU", "Spare part", "Kind", "Quantity", "Balance after",
        "From or to warehouse", "Ticket", "Reason or note", "By",
    ]  # fmt: skip
    body = sorted(row[1:] for row in rows[1:])
    name = manager.get_full_name()
    assert body == [
        ["hangzhou-main", "SCR-A920", "A920 touch screen", "Transferred in", "2", "2", "shanghai-main", "",
         "'=cmd|' /C calc'!A0", name],
        ["shanghai-main", "SCR-A920", "A920 touch screen", "Transferred out", "-2", "4", "hangzhou-main", "",
         "'=cmd|' /C calc'!A0", name],
    ]  # fmt: skip
    assert all(len(row[0]) == 16 for row in rows[1:]), rows  # local time to the minute


def test_the_csv_speaks_the_managers_language(client, manager, stocked):
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    rows = read_csv(client.get(reverse("stock:levels_export"), {"low": "on"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert rows[0][:3] == ["仓库编号", "仓库", "区域"]
    assert rows[1][2] == "杭州" and rows[1][-1] == "是"


def test_receive_transfer_and_adjust_from_the_forms(client, manager, stocked, shanghai, hangzhou):
    client.force_login(manager)
    printer = stocked["printer"]

    received = client.post(
        reverse("stock:receive"),
        {"part": printer.pk, "warehouse": hangzhou.pk, "quantity": "5", "note": "PO 118"},
        follow=True,
    )
    moved = client.post(
        reverse("stock:transfer"),
        {"part": printer.pk, "source": shanghai.pk, "destination": hangzhou.pk, "quantity": "3"},
        follow=True,
    )
    adjusted = client.post(
        reverse("stock:adjust"),
        {"part": printer.pk, "warehouse": hangzhou.pk, "change": "-1", "reason": "Stocktake"},
        follow=True,
    )

    assert received.redirect_chain[0][0] == f"{reverse('stock:levels')}?warehouse={hangzhou.pk}"
    assert "杭州仓 received 5 × A920 printer module; it now holds 5." in received.content.decode()
    assert "3 × A920 printer module moved from 上海总仓 to 杭州仓." in moved.content.decode()
    assert "A920 printer module at 杭州仓 adjusted by -1; it now holds 7." in adjusted.content.decode()
    assert (stock_of(printer, shanghai), stock_of(printer, hangzhou)) == (8, 7)
    assert StockMovement.objects.filter(by=manager, part=printer).count() == 2 + 4


def test_a_form_prefills_from_the_levels_page_link(client, manager, stocked, shanghai):
    client.force_login(manager)

    form = client.get(reverse("stock:adjust"), {"part": stocked["printer"].pk, "warehouse": shanghai.pk})

    assert form.context["form"]["part"].value() == str(stocked["printer"].pk)


def test_refusals_come_back_on_the_form_with_what_was_typed(client, manager, stocked, shanghai, hangzhou):
    client.force_login(manager)
    printer = stocked["printer"]

    too_many = client.post(
        reverse("stock:transfer"),
        {"part": printer.pk, "source": shanghai.pk, "destination": hangzhou.pk, "quantity": "99"},
    )
    same = client.post(
        reverse("stock:transfer"),
        {"part": printer.pk, "source": shanghai.pk, "destination": shanghai.pk, "quantity": "1"},
    )
    no_reason = client.post(reverse("stock:adjust"), {"part": printer.pk, "warehouse": shanghai.pk, "change": "-1"})
    zero = client.post(
        reverse("stock:adjust"), {"part": printer.pk, "warehouse": shanghai.pk, "change": "0", "reason": "x"}
    )
    garbage = client.post(reverse("stock:receive"), {"part": "999999", "warehouse": "x", "quantity": "-4"})

    assert too_many.status_code == 400
    assert too_many.context["form"].errors["quantity"] == [
        "Not enough A920 printer module at 上海总仓: 99 needed, 11 there."
    ]
    assert same.context["form"].errors["destination"] == ["Choose two different warehouses."]
    assert no_reason.context["form"].errors["reason"] == ["Say why the stock is adjusted."]
    assert zero.context["form"].errors["change"] == ["Enter the change as a whole number, negative to remove; not 0."]
    assert set(garbage.context["form"].errors) == {"part", "warehouse", "quantity"}
    assert stock_of(printer, shanghai) == 11


def test_the_pages_speak_chinese(client, manager, stocked):
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    page = client.get(reverse("stock:levels"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    refused = client.post(
        reverse("stock:adjust"),
        {"part": stocked["printer"].pk, "warehouse": "", "change": "-1"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()

    assert "备件库存" in page and "库存偏低" in page and "低库存预警值" in page
    assert "请选择仓库。" in refused and "请说明调整库存的原因。" in refused


def test_a_form_opened_from_a_level_says_what_it_holds_now(client, manager, stocked, hangzhou):
    client.force_login(manager)
    screen = stocked["screen"]

    page = client.get(reverse("stock:transfer"), {"part": screen.pk, "source": hangzhou.pk}).content.decode()
    bad = client.get(reverse("stock:adjust"), {"part": "9" * 40, "warehouse": "x"})

    assert "杭州仓 holds 2 of A920 touch screen now. Low-stock threshold: 3." in page
    assert bad.status_code == 200 and 'data-testid="current-level"' not in bad.content.decode()

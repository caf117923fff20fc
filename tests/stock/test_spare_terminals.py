"""The managers' spare terminals page: what each warehouse can swap in, by model, and the way from a
count to the terminals themselves."""

import pytest
from django.urls import reverse

from devices.models import Device
from tests.factories import DeviceFactory, DeviceModelFactory, UserFactory, device_in_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def spares(shanghai, hangzhou, beijing):
    """Shanghai holds two A920s and one A80; Hangzhou one A920; Beijing none. A deployed A920 and
    one in repair are nobody's spare."""
    a920, a80 = DeviceModelFactory(name="A920"), DeviceModelFactory(name="A80")
    made = [
        device_in_stock(shanghai, model=a920, serial_number="SPARE-SH-1"),
        device_in_stock(shanghai, model=a920, serial_number="SPARE-SH-2"),
        device_in_stock(shanghai, model=a80, serial_number="SPARE-SH-3"),
        device_in_stock(hangzhou, model=a920, serial_number="SPARE-HZ-1"),
    ]
    DeviceFactory(model=a920)
    DeviceFactory(model=a920, merchant=None, status=Device.Status.IN_REPAIR)
    return {"a920": a920, "a80": a80, "devices": made}


def counts(response) -> dict[tuple[str, str], int]:
    return {
        (store.warehouse.code, str(model)): count
        for store in response.context["stores"]
        for model, count in (store.by_model or [("none", 0)])
    }


def test_every_warehouse_shows_its_spares_by_model_and_an_empty_one_says_so(client, manager, spares):
    client.force_login(manager)

    response = client.get(reverse("stock:terminals"))

    assert counts(response) == {
        ("beijing-main", "none"): 0,
        ("hangzhou-main", "PAX A920"): 1,
        ("shanghai-main", "PAX A80"): 1,
        ("shanghai-main", "PAX A920"): 2,
    }
    page = response.content.decode()
    assert "No spare terminal" in page
    assert f"?status=in_stock&amp;warehouse=shanghai-main&amp;model={spares['a920'].pk}" in page


def test_the_filters_narrow_by_warehouse_region_and_model(client, manager, spares, shanghai, hangzhou):
    client.force_login(manager)

    by_warehouse = client.get(reverse("stock:terminals"), {"warehouse": shanghai.pk})
    by_region = client.get(reverse("stock:terminals"), {"region": hangzhou.region.pk})
    by_model = client.get(reverse("stock:terminals"), {"model": spares["a80"].pk})

    assert counts(by_warehouse) == {("shanghai-main", "PAX A80"): 1, ("shanghai-main", "PAX A920"): 2}
    assert counts(by_region) == {("hangzhou-main", "PAX A920"): 1}
    assert counts(by_model) == {
        ("beijing-main", "none"): 0,
        ("hangzhou-main", "none"): 0,
        ("shanghai-main", "PAX A80"): 1,
    }


def test_a_bad_filter_is_a_400_with_the_field_named(client, manager, spares):
    client.force_login(manager)

    response = client.get(reverse("stock:terminals"), {"model": "999999", "warehouse": "x"})

    assert response.status_code == 400
    assert response.context["filter_form"].errors.keys() == {"model", "warehouse"}
    assert "Choose a model from the list." in response.content.decode()


def test_the_page_takes_the_same_queries_however_many_terminals(
    client, manager, spares, shanghai, django_assert_num_queries
):
    client.force_login(manager)
    client.get(reverse("stock:terminals"))
    with django_assert_num_queries(8) as few:
        client.get(reverse("stock:terminals"))
    for index in range(20):
        device_in_stock(shanghai, model=DeviceModelFactory(name=f"M{index}"))

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("stock:terminals"))
    assert sum(store.total for store in response.context["stores"]) == 24


def test_a_count_leads_to_the_terminals_it_counts(client, manager, spares):
    client.force_login(manager)

    response = client.get(
        reverse("devices:list"), {"status": "in_stock", "warehouse": "shanghai-main", "model": spares["a920"].pk}
    )

    assert [device.serial_number for device, _warranty in response.context["rows"]] == ["SPARE-SH-1", "SPARE-SH-2"]
    page = response.content.decode()
    assert "Only the PAX A920 terminals at 上海总仓." in page
    assert '<input type="hidden" name="warehouse" value="shanghai-main">' in page
    assert "<dt>Warehouse</dt><dd>上海总仓</dd>" in page


def test_a_merchant_cannot_narrow_to_a_warehouse(client, spares):
    merchant = UserFactory(role="merchant", merchant=DeviceFactory().merchant)
    client.force_login(merchant)

    response = client.get(reverse("devices:list"), {"warehouse": "shanghai-main"})

    assert len(response.context["rows"]) == 1
    assert "上海总仓" not in response.content.decode()


def test_the_page_speaks_chinese(client, manager, spares):
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    client.force_login(manager)

    page = client.get(reverse("stock:terminals"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "备用终端" in page and "没有备用终端" in page and "查看这些终端" in page

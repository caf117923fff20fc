import datetime

import pytest
from django.utils import timezone

from accounts.models import Merchant
from devices.models import Device
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_partner_registers_a_merchant_it_brings(partner_api, partner):
    factories.RegionFactory(code="shanghai")
    response = partner_api.post(
        "/api/v1/merchants/",
        {"name": "Harbour Mart", "code": "harbour-2", "region": "shanghai", "contact_phone": "13900139000"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    merchant = Merchant.objects.get(code="harbour-2")
    assert (merchant.partner, merchant.tier, merchant.region.code) == (partner.partner, "standard", "shanghai")
    assert partner_api.get(f"/api/v1/merchants/{merchant.pk}/").json()["name"] == "Harbour Mart"


def test_a_partner_cannot_grant_premium_or_reuse_a_code(partner_api, merchant):
    premium = partner_api.post("/api/v1/merchants/", {"name": "X", "code": "x-1", "tier": "premium"}, format="json")
    taken = partner_api.post("/api/v1/merchants/", {"name": "X", "code": merchant.merchant.code}, format="json")

    assert premium.status_code == 403 and "tier" in premium.json()["errors"]
    assert taken.status_code == 422 and "code" in taken.json()["errors"]


def test_merchants_cannot_register_merchants(merchant_api):
    assert merchant_api.post("/api/v1/merchants/", {"name": "X", "code": "x-2"}, format="json").status_code == 403


def test_a_partner_registers_a_terminal_with_its_warranty(partner_api, merchant, partner):
    model = factories.DeviceModelFactory(name="A920", default_warranty_months=12)
    activated = timezone.localdate() - datetime.timedelta(days=30)

    response = partner_api.post(
        "/api/v1/devices/",
        {"serial_number": "PAX-NEW-1", "model": "A920", "merchant": merchant.merchant.pk,
         "activated_on": activated.isoformat(), "tid": "10009999"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    device = Device.objects.get(serial_number="PAX-NEW-1")
    assert (device.model, device.acquirer, device.status) == (model, partner.partner, "deployed")
    assert response.json()["warranty"]["state"] == "covered"
    duplicate = partner_api.post(
        "/api/v1/devices/", {"serial_number": "PAX-NEW-1", "model": "A920", "merchant": merchant.merchant.pk},
        format="json",
    )  # fmt: skip
    assert duplicate.status_code == 422 and "serial_number" in duplicate.json()["errors"]


def test_it_lists_filters_and_finds_terminals_by_serial(partner_api, merchant, device):
    spare = factories.DeviceFactory(merchant=merchant.merchant, status=Device.Status.IN_REPAIR)

    everything = partner_api.get("/api/v1/devices/").json()["results"]
    in_repair = partner_api.get("/api/v1/devices/", {"status": "in_repair"}).json()["results"]
    found = partner_api.get("/api/v1/devices/", {"search": device.serial_number[-4:]}).json()["results"]
    one = partner_api.get(f"/api/v1/devices/{device.serial_number}/")

    assert [d["serial_number"] for d in everything] == sorted([device.serial_number, spare.serial_number])
    assert [d["serial_number"] for d in in_repair] == [spare.serial_number]
    assert device.serial_number in [d["serial_number"] for d in found]
    assert one.status_code == 200 and one.json()["model"]["name"] == device.model.name


def test_warranty_by_serial_says_covered_policy_dates_and_why(partner_api, device):
    response = partner_api.get(f"/api/v1/devices/{device.serial_number}/warranty/")
    liquid = partner_api.get(f"/api/v1/devices/{device.serial_number}/warranty/", {"fault_category": "liquid_damage"})

    body = response.json()
    assert body["covered"] is True
    assert body["policy"] and body["starts_on"] == device.activated_on.isoformat() and body["ends_on"]
    assert body["reason"].startswith("In warranty until")
    assert liquid.json()["covered"] is False and liquid.json()["reason_code"] == "excluded"

"""Registering terminals and merchants: a documented character set for serial numbers, addresses
that work for every stored serial number, and no way to learn what another partner registered."""

import pytest

from devices.models import Device
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def a920(db):
    return factories.DeviceModelFactory(name="A920")


def register(client, merchant, serial: str, **extra):
    body = {"serial_number": serial, "model": "A920", "merchant": merchant.merchant.pk, **extra}
    return client.post("/api/v1/devices/", body, format="json")


def serial_error(response) -> str:
    assert response.status_code == 422, response.content
    return response.json()["errors"]["serial_number"][0]


@pytest.mark.parametrize("serial", ["PAX-A920-0001", "NL.N910.0003", "SUNMI_P2_4", "a" * 64])
def test_serial_numbers_of_letters_digits_dots_dashes_and_underscores_register(partner_api, merchant, a920, serial):
    response = register(partner_api, merchant, serial)

    assert response.status_code == 201, response.content
    assert partner_api.get(f"/api/v1/devices/{serial}/").json()["serial_number"] == serial


@pytest.mark.parametrize("serial", ["PAX/A920", "PAX A920", "-PAX", "序列号1", "PAX?1", "PAX#1", "a%2Fb"])
def test_other_characters_are_refused_with_the_rule(partner_api, merchant, a920, serial):
    message = serial_error(register(partner_api, merchant, serial))

    assert "1 to 64 letters, digits, dots, dashes or underscores" in message
    assert not Device.objects.exists()


def test_a_terminal_stored_with_a_slash_can_be_fetched_at_its_own_api_address(partner_api, merchant):
    legacy = factories.device_in_warranty(merchant.merchant, serial_number="PAX/A920 7")

    listed = partner_api.get("/api/v1/devices/").json()["results"]
    fetched = partner_api.get("/api/v1/devices/PAX/A920%207/")
    warranty = partner_api.get("/api/v1/devices/PAX/A920%207/warranty/")

    assert [row["serial_number"] for row in listed] == [legacy.serial_number]
    assert fetched.status_code == 200 and fetched.json()["serial_number"] == "PAX/A920 7"
    assert warranty.status_code == 200 and warranty.json()["covered"] is True


def test_another_partners_serial_number_cannot_be_registered_just_like_a_malformed_one(
    partner_api, other_partner_api, merchant, other_merchant, a920
):
    factories.device_in_warranty(other_merchant.merchant, serial_number="THEIRS-0001")

    theirs = serial_error(register(partner_api, merchant, "THEIRS-0001"))
    malformed = serial_error(register(partner_api, merchant, "NOT/VALID"))
    mine = serial_error(register(other_partner_api, other_merchant, "THEIRS-0001"))

    assert theirs == malformed.replace("NOT/VALID", "THEIRS-0001")
    assert "cannot be registered" in theirs and "already" not in theirs
    # The partner who can see the terminal is told plainly.
    assert mine == "A terminal with serial number THEIRS-0001 is already registered."


def test_another_partners_merchant_code_cannot_be_registered_just_like_a_malformed_one(
    partner_api, other_partner_api, other_merchant
):
    code = other_merchant.merchant.code

    theirs = partner_api.post("/api/v1/merchants/", {"name": "X", "code": code}, format="json")
    malformed = partner_api.post("/api/v1/merchants/", {"name": "X", "code": "bad code!"}, format="json")
    mine = other_partner_api.post("/api/v1/merchants/", {"name": "X", "code": code}, format="json")

    assert theirs.status_code == malformed.status_code == mine.status_code == 422
    theirs_message = theirs.json()["errors"]["code"][0]
    assert theirs_message == malformed.json()["errors"]["code"][0].replace("bad code!", code)
    assert "already" not in theirs_message
    assert mine.json()["errors"]["code"] == [f"Merchant code {code} is already taken."]

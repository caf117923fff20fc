"""Bad input to the API is a 4xx problem document, never a 500: NUL bytes, forged cursors, deeply
nested JSON, oversized bodies, dates out of range, serial numbers with a slash."""

import base64
import json

import pytest

from tests import factories
from tests.helpers import filing

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/merchants/",
    "/api/v1/devices/",
    "/api/v1/tickets/",
    "/api/v1/technicians/",
    "/api/v1/webhooks/",
]


def cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def assert_problem(response, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


INVALID_CURSOR = ["This cursor is not valid. Follow the next and previous links as the API gives them."]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("forged", ["p=zzz", "p=", "p=0", "p=%00", "o=1&p=9999-99-99", "p=0001-01-01 00:00", "r=x"])
def test_a_forged_cursor_is_never_a_server_error_on_any_list(dispatcher_api, ticket, technician, path, forged):
    """A position the list's ordering cannot hold is refused; one it can hold (p=0 where the list is
    ordered by id) is simply a place in the list."""
    response = dispatcher_api.get(path, {"cursor": cursor(forged)})

    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert assert_problem(response, 400)["errors"]["cursor"] == INVALID_CURSOR


@pytest.mark.parametrize(
    ("path", "forged"),
    [
        ("/api/v1/merchants/", "p=zzz"),
        ("/api/v1/technicians/", "p="),
        ("/api/v1/webhooks/", "p=1.5"),
        ("/api/v1/tickets/", "p=0"),
        ("/api/v1/tickets/", "p=0001-01-01 00:00"),
        ("/api/v1/devices/", "p=%00"),
    ],
)
def test_it_refuses_a_position_the_lists_ordering_cannot_hold(dispatcher_api, path, forged):
    assert (
        assert_problem(dispatcher_api.get(path, {"cursor": cursor(forged)}), 400)["errors"]["cursor"] == INVALID_CURSOR
    )


def test_it_refuses_a_cursor_that_is_not_base64_and_follows_genuine_ones(dispatcher_api, merchant):
    device = factories.device_in_warranty(merchant.merchant)
    for _ in range(3):
        factories.file_ticket(merchant, device=device)

    assert_problem(dispatcher_api.get("/api/v1/tickets/", {"cursor": "a"}), 400)
    first = dispatcher_api.get("/api/v1/tickets/", {"page_size": 2}).json()
    second = dispatcher_api.get(first["next"])
    assert second.status_code == 200
    assert len(first["results"]) + len(second.json()["results"]) == 3


def test_the_cursors_of_the_nested_lists_are_checked_too(dispatcher_api, ticket):
    for path in (f"/api/v1/tickets/{ticket.number}/events/", f"/api/v1/tickets/{ticket.number}/comments/"):
        assert_problem(dispatcher_api.get(path, {"cursor": cursor("p=zzz")}), 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/tickets/"), ("post", "/api/v1/webhooks/"), ("patch", "/api/v1/tickets/{number}/")],
)
def test_json_nested_a_hundred_thousand_deep_is_unreadable_not_an_error(partner_api, ticket, method, path):
    body = "[" * 100_000 + "]" * 100_000

    response = getattr(partner_api, method)(
        path.format(number=ticket.number), data=body, content_type="application/json"
    )

    problem = assert_problem(response, 400)
    assert problem["code"] == "parse_error"
    assert "nested" in problem["detail"]


def test_json_nested_deeper_than_any_request_needs_is_refused_as_well(partner_api, device):
    nested: dict = {}
    for _ in range(50):
        nested = {"a": nested}

    response = partner_api.post("/api/v1/tickets/", filing(device, extra=nested), format="json")

    assert assert_problem(response, 400)["code"] == "parse_error"


def test_a_body_over_the_limit_is_413_before_it_is_read(partner_api, settings):
    settings.API_REQUEST_MAX_BYTES = 1000
    big = json.dumps({"description": "x" * 2000})

    response = partner_api.post("/api/v1/tickets/", data=big, content_type="application/json")

    problem = assert_problem(response, 413)
    assert problem["code"] == "too_large"
    assert "1000" in problem["detail"]


def test_a_nul_byte_in_a_query_or_an_address_is_a_4xx(partner_api, ticket):
    query = partner_api.get("/api/v1/tickets/", {"status": "new\x00"})
    search = partner_api.get("/api/v1/devices/", {"search": "\x00"})
    address = partner_api.get("/api/v1/tickets/%00/")
    device = partner_api.get("/api/v1/devices/%00/warranty/")

    assert assert_problem(query, 400)["errors"]["status"]
    assert assert_problem(search, 400)["code"] == "invalid_character"
    assert_problem(address, 404)
    assert_problem(device, 404)


def test_a_nul_byte_in_a_json_string_is_a_field_error(partner_api, device, ticket):
    filed = partner_api.post("/api/v1/tickets/", filing(device, description="printer\x00"), format="json")
    patched = partner_api.patch(f"/api/v1/tickets/{ticket.number}/", {"contact_name": "\x00"}, format="json")

    assert "description" in assert_problem(filed, 422)["errors"]
    assert "contact_name" in assert_problem(patched, 422)["errors"]


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01", "0001-01-01"])
def test_an_activation_date_far_from_today_is_refused(partner_api, partner, merchant, day):
    factories.DeviceModelFactory(name="A920")

    response = partner_api.post(
        "/api/v1/devices/",
        {"serial_number": "PAX-A920-7777", "model": "A920", "merchant": merchant.merchant.pk, "activated_on": day},
        format="json",
    )

    problem = assert_problem(response, 422)
    assert problem["errors"]["activated_on"][0].startswith("The activation date must be between 2000-01-01 and today")


def test_the_warranty_of_a_far_day_is_answered_not_an_error(partner_api, device):
    for day in ("9999-12-31", "0001-01-01"):
        response = partner_api.get(f"/api/v1/devices/{device.serial_number}/warranty/", {"on": day})
        assert response.status_code == 200, response.content


def test_times_at_the_edges_of_the_calendar_are_answered(partner_api, device, ticket):
    listed = partner_api.get(
        "/api/v1/tickets/", {"created_after": "0001-01-01T00:00:00", "created_before": "9999-12-31T23:59:59"}
    )
    visit = partner_api.patch(
        f"/api/v1/tickets/{ticket.number}/", {"preferred_visit_at": "9999-12-31T23:59:59+08:00"}, format="json"
    )

    assert listed.status_code < 500, listed.content
    assert visit.status_code < 500, visit.content

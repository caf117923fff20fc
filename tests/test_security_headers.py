"""Headers every answer carries: a Content-Security-Policy with no inline script or style, a
Permissions-Policy that gives the camera and geolocation to our own pages only, and no caching of
pages and API answers that carry personal data."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_pages_carry_a_strict_content_security_policy(client, merchant):
    client.force_login(merchant)

    policy = directives(client.get("/tickets/"))

    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "unsafe-inline" not in client.get("/tickets/")["Content-Security-Policy"]


def test_the_permissions_policy_allows_camera_and_geolocation_on_our_own_pages_only(client):
    header = client.get("/accounts/login/")["Permissions-Policy"]

    features = dict(part.strip().split("=", 1) for part in header.split(","))
    assert features["camera"] == "(self)"
    assert features["geolocation"] == "(self)"
    assert features["microphone"] == "()"
    assert features["payment"] == "()"


def test_pages_and_api_answers_with_personal_data_are_not_stored(client, merchant, partner_user_api_key):
    device = factories.device_in_warranty(merchant.merchant)
    ticket = factories.file_ticket(merchant, device=device)
    client.force_login(merchant)

    for path in ("/tickets/", f"/tickets/{ticket.number}/", "/devices/", "/accounts/login/"):
        assert "no-store" in client.get(path)["Cache-Control"], path
    client.logout()
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {partner_user_api_key}"}
    for path in ("/api/v1/tickets/", f"/api/v1/tickets/{ticket.number}/", "/api/v1/merchants/"):
        response = client.get(path, **auth)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], path


def test_static_files_are_cached_as_static_files(client):
    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.fixture
def partner_user_api_key(merchant):
    from api.services import api_key_create

    partner = factories.partner_user(partner=merchant.merchant.partner)
    return api_key_create(partner=partner.partner, name="headers")[1]

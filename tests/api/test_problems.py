import pytest

from tests.helpers import filing

pytestmark = pytest.mark.django_db


def test_a_refusal_is_a_problem_document_with_field_errors(partner_api, device):
    response = partner_api.post("/api/v1/tickets/", filing(device, kind="repaint", contact_phone="1"), format="json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "code", "errors"}
    assert body["status"] == 422
    assert body["instance"] == "/api/v1/tickets/"
    assert body["type"] == "urn:possystem:problem:invalid"
    assert body["errors"]["kind"] == ['"repaint" is not a valid choice.']


def test_it_speaks_the_callers_language(partner_api, device):
    response = partner_api.post(
        "/api/v1/tickets/", filing(device, contact_phone="1"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    missing = partner_api.get("/api/v1/tickets/RT-1/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 422
    assert response["Content-Language"] == "zh-hans"
    assert missing.json()["detail"] == "未找到。"


def test_malformed_json_is_a_bad_request(partner_api):
    response = partner_api.post("/api/v1/tickets/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_no_credentials_is_401_with_the_scheme_to_use(client, device):
    response = client.get("/api/v1/tickets/")
    bad_key = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Api-Key nope.nope")

    assert response.status_code == bad_key.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_api_address_is_a_problem_too(partner_api):
    response = partner_api.get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_an_unexpected_error_shows_no_internals(partner_api, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret database detail")

    monkeypatch.setattr("tickets.api.views.ticket_list_filtered", explode)

    response = partner_api.get("/api/v1/tickets/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()

import pytest

from api.models import PartnerAPIKey
from tests.helpers import key_client

pytestmark = pytest.mark.django_db


def test_a_key_over_its_rate_gets_429_with_retry_after_and_other_keys_carry_on(api_key, other_api_key, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "key": "3/min"}
    mine, theirs = key_client(api_key), key_client(other_api_key)

    answers = [mine.get("/api/v1/tickets/").status_code for _ in range(4)]
    throttled = mine.get("/api/v1/tickets/")

    assert answers == [200, 200, 200, 429]
    assert throttled["Content-Type"] == "application/problem+json"
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["status"] == 429
    assert theirs.get("/api/v1/tickets/").status_code == 200


def test_an_admin_can_give_one_key_its_own_rate(api_key):
    PartnerAPIKey.objects.update(throttle_rate="1/hour")
    client = key_client(api_key)

    assert client.get("/api/v1/merchants/").status_code == 200
    throttled = client.get("/api/v1/merchants/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 60


def test_wrong_api_keys_are_throttled_per_address(api_key, settings, client):
    settings.API_KEY_FAILURE_RATE = "3/min"
    wrong = [
        client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Api-Key wrong.key", REMOTE_ADDR="198.51.100.7").status_code
        for _ in range(4)
    ]
    # Once over, even the right key is refused from that address until the minute has passed.
    right_here = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Api-Key {api_key}", REMOTE_ADDR="198.51.100.7")
    right_elsewhere = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Api-Key {api_key}", REMOTE_ADDR="192.0.2.1")

    assert wrong == [401, 401, 401, 429]
    assert right_here.status_code == 429
    assert 1 <= int(right_here["Retry-After"]) <= 60
    assert "Too many wrong API keys" in right_here.json()["detail"]
    assert right_elsewhere.status_code == 200


def test_a_malformed_key_is_a_wrong_key_not_an_error(client):
    for key in ("\x00.\x00", "é.key", "x" * 500):
        response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Api-Key {key}")
        assert response.status_code == 401

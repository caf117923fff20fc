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

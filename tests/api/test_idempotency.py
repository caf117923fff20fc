import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyKey
from tests import factories
from tests.helpers import filing, key_client
from tickets.models import Ticket


@pytest.mark.django_db
def test_a_retry_with_the_same_key_and_body_replays_the_first_answer_and_files_nothing(partner_api, device):
    first = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_the_body_is_compared_as_json_not_as_bytes(partner_api, device):
    body = filing(device)
    partner_api.post("/api/v1/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    reordered = dict(reversed(list(body.items())))

    retry = partner_api.post("/api/v1/tickets/", reordered, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_and_does_nothing(partner_api, device):
    partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-3")

    other = partner_api.post(
        "/api/v1/tickets/", filing(device, description="Another fault"), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    elsewhere = partner_api.post("/api/v1/merchants/", {"name": "x", "code": "x"}, format="json",
                                 HTTP_IDEMPOTENCY_KEY="k-3")  # fmt: skip

    assert other.status_code == elsewhere.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_an_error_answer_is_not_kept_so_the_corrected_retry_goes_through(partner_api, device):
    bad = partner_api.post(
        "/api/v1/tickets/", filing(device, contact_phone="123"), format="json", HTTP_IDEMPOTENCY_KEY="k-4"
    )
    fixed = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-4")

    assert bad.status_code == 422
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_keys_expire_after_24_hours(partner_api, device):
    partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-5")

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23, minutes=59)):
        replayed = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24, minutes=1)):
        fresh = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="k-5")

    assert replayed["Idempotent-Replayed"] == "true"
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh
    assert Ticket.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_partner(partner_api, other_partner_api, device, other_merchant):
    theirs = factories.device_in_warranty(other_merchant.merchant)

    mine = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="same")
    other = other_partner_api.post("/api/v1/tickets/", filing(theirs), format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert mine.status_code == other.status_code == 201
    assert mine.json()["number"] != other.json()["number"]


@pytest.mark.django_db
def test_a_malformed_key_is_a_bad_request(partner_api, device):
    response = partner_api.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="a b")

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_file_one_ticket(api_key, device, sla_policy):
    """The lost race: both requests run at once on their own connections; one files, the other
    waits on the key and replays the first answer."""
    barrier = threading.Barrier(2)
    answers = []

    def post():
        client = key_client(api_key)
        barrier.wait()
        try:
            answers.append(
                client.post("/api/v1/tickets/", filing(device), format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(a.status_code for a in answers) == [201, 201]
    assert len({a.json()["number"] for a in answers}) == 1
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert Ticket.objects.count() == 1

"""A key of partner A reaches nothing of partner B: every endpoint, by list, by id, by guessed number."""

import pytest

from tests import factories
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_merchant, other_partner):
    """Everything partner B has: a merchant, a terminal, a ticket with a comment, a webhook."""
    device = factories.device_in_warranty(other_merchant.merchant)
    ticket = factories.file_ticket(other_merchant, device=device)
    from tickets.services import ticket_comment_add

    ticket_comment_add(ticket=ticket, by=other_merchant, body="Hello")
    webhook = WebhookSubscription.objects.create(
        partner=other_partner.partner, url="https://b.example/hook", events=["ticket.created"], secret="s" * 64
    )
    return {"merchant": other_merchant.merchant, "device": device, "ticket": ticket, "webhook": webhook}


LISTS = ["/api/v1/merchants/", "/api/v1/devices/", "/api/v1/tickets/", "/api/v1/webhooks/", "/api/v1/technicians/"]

READS = [
    "/api/v1/merchants/{merchant.pk}/",
    "/api/v1/devices/{device.serial_number}/",
    "/api/v1/devices/{device.serial_number}/warranty/",
    "/api/v1/tickets/{ticket.number}/",
    "/api/v1/tickets/{ticket.number}/comments/",
    "/api/v1/tickets/{ticket.number}/events/",
    "/api/v1/webhooks/{webhook.pk}/",
    "/api/v1/webhooks/{webhook.pk}/deliveries/",
]

WRITES = [
    ("patch", "/api/v1/tickets/{ticket.number}/", {"description": "mine now"}),
    ("post", "/api/v1/tickets/{ticket.number}/comments/", {"body": "hi"}),
    ("post", "/api/v1/tickets/{ticket.number}/cancel/", {}),
    ("post", "/api/v1/tickets/{ticket.number}/acknowledge/", {}),
    ("post", "/api/v1/tickets/{ticket.number}/assign/", {"technician": 1}),
    ("post", "/api/v1/tickets/{ticket.number}/check-in/", {}),
    ("post", "/api/v1/tickets/{ticket.number}/resolve/", {"outcome": "remote", "work_done": "x"}),
    ("post", "/api/v1/tickets/{ticket.number}/close/", {}),
    ("delete", "/api/v1/webhooks/{webhook.pk}/", None),
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_show_nothing_of_the_other_partner(partner_api, theirs, url):
    response = partner_api.get(url)

    assert response.status_code == 200
    text = response.content.decode()
    assert theirs["ticket"].number not in text
    assert theirs["device"].serial_number not in text
    assert theirs["webhook"].url not in text
    ids = [row.get("id") for row in response.json()["results"]]
    assert theirs["merchant"].pk not in ids if url == LISTS[0] else True


@pytest.mark.parametrize("url", READS)
def test_reading_by_id_or_number_is_not_found(partner_api, theirs, url):
    response = partner_api.get(url.format(**theirs))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_writing_is_not_found_and_changes_nothing(partner_api, theirs, method, url, body):
    response = getattr(partner_api, method)(url.format(**theirs), body, format="json")

    assert response.status_code == 404
    ticket = theirs["ticket"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.description) == ("new", "The printer stops halfway through a receipt.")
    assert ticket.comments.count() == 1
    assert WebhookSubscription.objects.get(pk=theirs["webhook"].pk).active


def test_a_guessed_number_answers_exactly_like_a_missing_one(partner_api, theirs):
    real = partner_api.get(f"/api/v1/tickets/{theirs['ticket'].number}/")
    made_up = partner_api.get("/api/v1/tickets/RT-20000101-9999/")

    assert real.status_code == made_up.status_code == 404
    assert real.json()["detail"] == made_up.json()["detail"]


def test_filtering_by_the_other_partners_merchant_or_device_finds_nothing(partner_api, theirs):
    by_merchant = partner_api.get("/api/v1/tickets/", {"merchant": theirs["merchant"].pk})
    by_device = partner_api.get("/api/v1/tickets/", {"device": theirs["device"].serial_number})
    devices = partner_api.get("/api/v1/devices/", {"merchant": theirs["merchant"].pk})

    assert by_merchant.json()["results"] == by_device.json()["results"] == devices.json()["results"] == []


def test_it_cannot_file_register_or_create_in_the_other_partners_name(partner_api, theirs):
    ticket = partner_api.post(
        "/api/v1/tickets/",
        {"merchant": theirs["merchant"].pk, "kind": "consultation", "description": "x", "contact_name": "x",
         "contact_phone": "13800138000"},
        format="json",
    )  # fmt: skip
    device = partner_api.post(
        "/api/v1/devices/", {"serial_number": "NEW-1", "model": theirs["device"].model.name,
                             "merchant": theirs["merchant"].pk}, format="json"
    )  # fmt: skip

    merchant = partner_api.post(
        "/api/v1/merchants/", {"name": "Mine now", "code": "mine-now", "partner": theirs["merchant"].partner_id},
        format="json",
    )  # fmt: skip
    webhook = partner_api.post(
        "/api/v1/webhooks/", {"url": "https://a.example/hook", "events": ["ticket.created"]}, format="json"
    )

    assert ticket.status_code == 422 and "merchant" in ticket.json()["errors"]
    assert merchant.status_code == 403 and "partner" in merchant.json()["errors"]
    assert WebhookSubscription.objects.get(pk=webhook.json()["id"]).partner != theirs["webhook"].partner
    assert device.status_code == 422 and "merchant" in device.json()["errors"]

"""Quotes through the partner API: sent with lines by staff, decided by the merchant's side, scoped to
the caller's merchants; the resolution charges the approved quote."""

from decimal import Decimal

import pytest

from tests import factories
from tests.helpers import check_in, session_client
from tickets import services
from tickets.models import Quote, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def quoted_ticket(merchant, dispatcher, technician, sla_policy):
    """An out-of-warranty repair on site, with a screen among the terminal's parts."""
    device = factories.DeviceFactory(merchant=merchant.merchant)
    screen = factories.SparePartFactory(sku="SCR-9", name="Screen", unit_cost=Decimal("420.00"))
    screen.compatible_models.add(device.model)
    ticket = factories.file_ticket(merchant, device)
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return Ticket.objects.get(pk=ticket.pk)


LINES = {"lines": [{"kind": "part", "sku": "SCR-9", "quantity": 1}, {"kind": "labour", "quantity": 1}], "note": "屏幕"}


def test_it_quotes_with_lines_decides_and_charges_the_approved_quote(quoted_ticket, technician, partner_api):
    base = f"/api/v1/tickets/{quoted_ticket.number}"
    sent = session_client(technician.user).post(f"{base}/quotes/", LINES, format="json")
    assert sent.status_code == 201, sent.json()
    body = sent.json()
    assert (body["status"], body["parts_amount"], body["labour_amount"], body["total"]) == (
        "pending", "420.00", "80.00", "500.00",
    )  # fmt: skip
    assert body["prices_include_tax"] is True and body["vat_rate"] == "13.00"
    assert [(line["kind"], line["sku"], line["unit"], line["amount"]) for line in body["lines"]] == [
        ("part", "SCR-9", "piece", "420.00"),
        ("labour", None, "visit", "80.00"),
    ]
    assert partner_api.get(f"{base}/").json()["status"] == "waiting_merchant"
    listed = partner_api.get(f"{base}/quotes/").json()["results"]
    assert [quote["id"] for quote in listed] == [body["id"]]

    decided = partner_api.post(f"{base}/quotes/{body['id']}/decide/", {"decision": "approve"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = partner_api.post(f"{base}/quotes/{body['id']}/decide/", {"decision": "decline"}, format="json")
    assert again.status_code == 409

    # labour_charge is deprecated: it is accepted and ignored; the charge is the approved quote.
    resolved = session_client(technician.user).post(
        f"{base}/resolve/",
        {
            "outcome": "replaced",
            "work_done": "New screen",
            "parts": [{"sku": "SCR-9", "quantity": 1}],
            "warehouse": "shanghai-main",
            "labour_charge": 5,
        },
        format="json",
    )
    assert resolved.status_code == 200, resolved.json()
    report = Ticket.objects.get(pk=quoted_ticket.pk).report
    assert (report.parts_charge, report.labour_charge, report.total_charge) == (
        Decimal("420.00"), Decimal("80.00"), Decimal("500.00"),
    )  # fmt: skip


def test_a_declined_quote_ends_the_ticket_returned_unrepaired(quoted_ticket, technician, merchant_api):
    base = f"/api/v1/tickets/{quoted_ticket.number}"
    quote_id = session_client(technician.user).post(f"{base}/quotes/", LINES, format="json").json()["id"]
    declined = merchant_api.post(f"{base}/quotes/{quote_id}/decide/", {"decision": "decline"}, format="json")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert merchant_api.get(f"{base}/").json()["status"] == "returned_unrepaired"
    assert merchant_api.get("/api/v1/tickets/?status=returned_unrepaired").json()["results"][0]["number"] == (
        quoted_ticket.number
    )


def test_resolving_without_an_approved_quote_is_a_409(quoted_ticket, technician):
    response = session_client(technician.user).post(
        f"/api/v1/tickets/{quoted_ticket.number}/resolve/", {"outcome": "repaired", "work_done": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "quote_not_approved"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"kind": "part", "sku": "NOPE", "quantity": 1}]}, "lines.0.sku"),
        ({"lines": [{"kind": "labour", "quantity": "0"}]}, "lines"),
        ({"lines": [{"kind": "labour", "quantity": "1.5"}]}, "quantity"),
        ({"lines": [{"kind": "fee", "quantity": 1}]}, "lines"),
    ],
)
def test_bad_quotes_are_422_naming_the_field(quoted_ticket, technician, body, field):
    response = session_client(technician.user).post(
        f"/api/v1/tickets/{quoted_ticket.number}/quotes/", body, format="json"
    )
    assert response.status_code == 422, response.json()
    assert any(name.startswith(field) for name in response.json()["errors"]), response.json()
    assert not Quote.objects.exists()


def test_a_technician_may_not_set_a_price_but_a_manager_may(quoted_ticket, technician, manager):
    body = {"lines": [{"kind": "labour", "quantity": 1, "unit_price": "50.00"}]}
    url = f"/api/v1/tickets/{quoted_ticket.number}/quotes/"
    refused = session_client(technician.user).post(url, body, format="json")
    assert refused.status_code == 403 and "Only a manager" in refused.json()["detail"]
    sent = session_client(manager).post(url, body, format="json")
    assert sent.status_code == 201 and sent.json()["total"] == "50.00"


def test_quotes_are_scoped_to_the_callers_merchants(quoted_ticket, technician, other_partner_api, other_merchant):
    base = f"/api/v1/tickets/{quoted_ticket.number}"
    quote_id = session_client(technician.user).post(f"{base}/quotes/", LINES, format="json").json()["id"]
    for client in (other_partner_api, session_client(other_merchant)):
        assert client.get(f"{base}/quotes/").status_code == 404
        decided = client.post(f"{base}/quotes/{quote_id}/decide/", {"decision": "approve"}, format="json")
        assert decided.status_code == 404
    assert Quote.objects.get(pk=quote_id).status == Quote.Status.PENDING
    assert Ticket.objects.get(pk=quoted_ticket.pk).status == Status.WAITING_MERCHANT


def test_merchants_and_partners_may_not_send_quotes(quoted_ticket, partner_api, merchant_api):
    for client in (partner_api, merchant_api):
        response = client.post(f"/api/v1/tickets/{quoted_ticket.number}/quotes/", LINES, format="json")
        assert response.status_code == 403

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from tests.helpers import filing
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_it_files_a_ticket_through_the_web_forms_service_and_answers_the_warranty_and_deadlines(
    partner_api, device, partner
):
    response = partner_api.post("/api/v1/tickets/", filing(device), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert body["status"] == "new"
    assert body["warranty"]["covered"] is True
    assert body["warranty"]["reason"].startswith("In warranty until")
    assert set(body["sla"]) >= {"respond_by", "onsite_by", "resolve_by"}
    assert body["sla"]["respond_by"].endswith("+08:00")
    assert datetime.datetime.fromisoformat(body["sla"]["respond_by"]) == ticket.respond_by
    assert response["Location"] == f"/api/v1/tickets/{ticket.number}/"
    assert (ticket.channel, ticket.filed_by_partner, ticket.contact_phone) == ("api", partner.partner, "13800138000")
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").count() == 1


def test_filing_refuses_bad_fields_one_by_one(partner_api, device):
    response = partner_api.post(
        "/api/v1/tickets/", filing(device, contact_phone="12345", description="  "), format="json"
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"contact_phone", "description"}
    assert not Ticket.objects.exists()


def test_filing_for_a_terminal_the_partner_cannot_see_is_refused(partner_api, other_merchant):
    stranger = factories.device_in_warranty(other_merchant.merchant)

    response = partner_api.post("/api/v1/tickets/", filing(stranger), format="json")

    assert response.status_code == 422
    assert "device" in response.json()["errors"]


def test_a_consultation_names_the_merchant_instead_of_a_terminal(partner_api, merchant):
    response = partner_api.post(
        "/api/v1/tickets/",
        {"merchant": merchant.merchant.pk, "kind": "consultation", "description": "How do I refund?",
         "contact_name": "王丽", "contact_phone": "13800138000"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    assert response.json()["device"] is None
    assert response.json()["warranty"]["covered"] is True


def test_it_lists_with_every_filter(partner_api, merchant, device, dispatcher):
    first = factories.file_ticket(merchant, device=device)
    consultation = factories.file_ticket(merchant, kind="consultation", fault_category="")
    from tickets.services import ticket_acknowledge

    ticket_acknowledge(ticket=first, by=dispatcher)

    def numbers(**query):
        response = partner_api.get("/api/v1/tickets/", query)
        assert response.status_code == 200, response.json()
        return {row["number"] for row in response.json()["results"]}

    assert numbers() == {first.number, consultation.number}
    assert numbers(status="acknowledged") == {first.number}
    assert numbers(kind="consultation") == {consultation.number}
    assert numbers(device=device.serial_number) == {first.number}
    assert numbers(merchant=merchant.merchant.pk) == {first.number, consultation.number}
    assert numbers(created_after=(timezone.now() + datetime.timedelta(minutes=1)).isoformat()) == set()
    assert numbers(created_before=(timezone.now() + datetime.timedelta(minutes=1)).isoformat()) == {
        first.number,
        consultation.number,
    }
    assert numbers(breached="true") == set()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        assert numbers(breached="true") == {first.number, consultation.number}
        assert partner_api.get(f"/api/v1/tickets/{first.number}/").json()["sla"]["breached"] is True


def test_a_bad_filter_is_a_field_error(partner_api):
    response = partner_api.get("/api/v1/tickets/", {"status": "lost", "created_after": "yesterday"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "created_after"}


def test_the_list_pages_by_cursor_without_repeats_and_in_constant_queries(
    partner_api, merchant, device, django_assert_max_num_queries
):
    for _ in range(5):
        factories.file_ticket(merchant, device=device)
    seen = []
    url = "/api/v1/tickets/?page_size=2"
    while url:
        with django_assert_max_num_queries(3):  # the key, its last-used time (once a minute), the page
            response = partner_api.get(url)
        page = response.json()
        seen += [row["number"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 5
    assert seen == list(Ticket.objects.order_by("-created_at", "-pk").values_list("number", flat=True))


def test_it_reads_one_ticket_and_its_public_timeline_and_comments(partner_api, ticket, dispatcher):
    from tickets.services import ticket_comment_add

    ticket_comment_add(ticket=ticket, by=dispatcher, body="We will call you.")
    ticket_comment_add(ticket=ticket, by=dispatcher, body="Customer is difficult.", internal=True)

    detail = partner_api.get(f"/api/v1/tickets/{ticket.number}/")
    events = partner_api.get(f"/api/v1/tickets/{ticket.number}/events/")
    comments = partner_api.get(f"/api/v1/tickets/{ticket.number}/comments/")

    assert detail.status_code == 200 and detail.json()["number"] == ticket.number
    assert [e["kind"] for e in events.json()["results"]] == ["created", "comment"]
    assert [c["body"] for c in comments.json()["results"]] == ["We will call you."]


def test_a_partner_comments_but_may_not_write_internal_notes(partner_api, ticket):
    posted = partner_api.post(f"/api/v1/tickets/{ticket.number}/comments/", {"body": "Any news?"}, format="json")
    internal = partner_api.post(
        f"/api/v1/tickets/{ticket.number}/comments/", {"body": "x", "internal": True}, format="json"
    )

    assert posted.status_code == 201 and posted.json()["body"] == "Any news?"
    assert internal.status_code == 403


def test_patch_changes_the_allowed_fields_and_refuses_the_others(partner_api, ticket):
    changed = partner_api.patch(
        f"/api/v1/tickets/{ticket.number}/",
        {"contact_name": "李明", "preferred_visit_at": "2026-12-01T10:00:00+08:00"},
        format="json",
    )
    refused = partner_api.patch(f"/api/v1/tickets/{ticket.number}/", {"status": "closed"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["contact_name"] == "李明"
    assert changed.json()["preferred_visit_at"] == "2026-12-01T10:00:00+08:00"
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"status": ["This field cannot be changed."]}
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_partner_cancels_a_new_ticket(partner_api, ticket):
    response = partner_api.post(f"/api/v1/tickets/{ticket.number}/cancel/", {"reason": "Fixed it"}, format="json")
    again = partner_api.post(f"/api/v1/tickets/{ticket.number}/cancel/", {}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_staff_take_a_ticket_from_new_to_closed_through_the_api(dispatcher_api, ticket, technician):
    base = f"/api/v1/tickets/{ticket.number}"
    part = factories.SparePartFactory(stock=3)

    assert dispatcher_api.post(f"{base}/acknowledge/", {"message": "On it"}, format="json").json()["status"] == (
        "acknowledged"
    )
    assigned = dispatcher_api.post(f"{base}/assign/", {"technician": technician.pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["status"] == "dispatched"
    # Staff record the visit (no code): the ticket is on site, the on-site milestone waits for approval.
    checked_in = dispatcher_api.post(f"{base}/check-in/", format="json")
    assert checked_in.json()["status"] == "on_site" and checked_in.json()["sla"]["onsite_at"] is None
    assert ticket.visits.get().reason == "Recorded through the API; no reason given."
    resolved = dispatcher_api.post(
        f"{base}/resolve/",
        {
            "outcome": "replaced",
            "work_done": "New printer module",
            "parts": [{"sku": part.sku, "quantity": 1}],
            "warehouse": "shanghai-main",
        },
        format="json",
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["status"] == "resolved"
    assert dispatcher_api.post(f"{base}/close/", {}, format="json").json()["status"] == "closed"
    assert factories.stock_of(part) == 2


def test_staff_actions_are_refused_to_partners_and_merchants(partner_api, merchant_api, ticket, technician):
    base = f"/api/v1/tickets/{ticket.number}"
    for client in (partner_api, merchant_api):
        assert client.post(f"{base}/acknowledge/", {}, format="json").status_code == 403
        assert client.post(f"{base}/assign/", {"technician": technician.pk}, format="json").status_code == 403
        assert client.post(f"{base}/check-in/", {}, format="json").status_code == 403
        assert (
            client.post(f"{base}/resolve/", {"outcome": "remote", "work_done": "x"}, format="json").status_code == 403
        )
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_merchant_uses_the_api_with_its_session_and_sees_its_own_tickets_only(merchant_api, ticket, other_merchant):
    stranger = factories.file_ticket(other_merchant)

    listed = merchant_api.get("/api/v1/tickets/").json()["results"]

    assert [row["number"] for row in listed] == [ticket.number]
    assert merchant_api.get(f"/api/v1/tickets/{stranger.number}/").status_code == 404


def test_technicians_are_listed_for_staff_only(dispatcher_api, partner_api, technician):
    staff = dispatcher_api.get("/api/v1/technicians/").json()["results"]
    partner = partner_api.get("/api/v1/technicians/").json()["results"]

    assert [row["id"] for row in staff] == [technician.pk]
    assert staff[0]["open_jobs"] == 0
    assert partner == []

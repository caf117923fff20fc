"""What each role does on the ticket page, and how a refused step reads: a message, never a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    SparePartFactory,
    TechnicianFactory,
    WarehouseFactory,
    device_in_warranty,
    file_ticket,
    stock_of,
)
from tests.helpers import check_in, wrong_code
from tests.helpers import quote as send_quote
from tests.tickets.pages import messages_of, png
from tickets import services
from tickets.models import Quote, Status, TicketComment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    return sla_policy


@pytest.fixture
def device(merchant):
    return device_in_warranty(merchant.merchant, serial_number="PAX-A920-8001")


@pytest.fixture
def ticket(merchant, device):
    return file_ticket(merchant, device)


@pytest.fixture
def zhang(device):
    """A technician trained on the ticket's model, serving its region."""
    technician = TechnicianFactory(user__username="tech-zhang", trained_on=[device.model])
    technician.regions.add(device.merchant.region)
    return technician


def url(name, ticket, *args):
    return reverse(f"tickets:{name}", args=[ticket.number, *args])


def refreshed(ticket):
    ticket.refresh_from_db()
    return ticket


# --- the merchant ------------------------------------------------------------------------------------


def test_a_merchant_replies_with_a_photo_and_sees_it_on_the_timeline(client, merchant, ticket):
    client.force_login(merchant)
    response = client.post(
        url("reply", ticket), {"reply-body": "Photo of the error screen.", "reply-photos": [png()]}, follow=True
    )
    assert "Reply sent." in messages_of(response)
    comment = TicketComment.objects.get(ticket=ticket)
    assert not comment.internal
    page = response.content.decode()
    assert "Photo of the error screen." in page
    assert url("photo", ticket, comment.photos.get().pk) in page


def test_an_empty_reply_says_what_to_fix(client, merchant, ticket):
    client.force_login(merchant)
    response = client.post(url("reply", ticket), {"reply-body": "  "})
    assert response.status_code == 200
    assert response.context["reply_form"].errors["body"] == ["Write a message or attach a photo."]


def test_a_merchant_cannot_write_an_internal_note(client, merchant, ticket):
    client.force_login(merchant)
    response = client.post(url("reply", ticket), {"reply-body": "psst", "visibility": "internal"}, follow=True)
    assert "Only staff can write internal notes." in messages_of(response)
    assert not TicketComment.objects.exists()


def test_a_merchant_cancels_a_new_request(client, merchant, ticket):
    client.force_login(merchant)
    page = client.get(url("detail", ticket)).content.decode()
    assert 'data-testid="cancel"' in page
    response = client.post(url("cancel", ticket), {"cancel-reason": "Fixed it myself."}, follow=True)
    assert "The request is cancelled." in messages_of(response)
    assert refreshed(ticket).status == Status.CANCELLED


def test_a_merchant_cannot_cancel_once_a_technician_is_on_the_way(client, merchant, dispatcher, ticket, zhang):
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    client.force_login(merchant)
    assert 'data-testid="cancel"' not in client.get(url("detail", ticket)).content.decode()
    response = client.post(url("cancel", ticket), {"cancel-reason": "changed my mind"}, follow=True)
    assert response.status_code == 200
    assert "A technician is already on the way; call us to cancel this visit." in messages_of(response)
    assert refreshed(ticket).status == Status.DISPATCHED


@pytest.mark.parametrize("action", ["acknowledge", "check_in", "close", "resume", "accept"])
def test_staff_steps_are_refused_to_a_merchant_with_a_message(client, merchant, ticket, action):
    client.force_login(merchant)
    response = client.post(url(action, ticket), follow=True)
    assert response.status_code == 200
    assert messages_of(response)
    assert refreshed(ticket).status == Status.NEW


def test_the_merchant_sees_the_technician_and_the_expected_visit(client, merchant, dispatcher, ticket, zhang):
    import datetime

    from django.utils import timezone

    visit = timezone.localtime() + datetime.timedelta(days=1)
    visit = visit.replace(hour=10, minute=30, second=0, microsecond=0)
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher, scheduled_at=visit)
    client.force_login(merchant)
    page = client.get(url("detail", ticket)).content.decode()
    assert str(zhang) in page
    assert visit.strftime("%Y-%m-%d 10:30") in page
    assert "Technician dispatched" in page


def test_a_merchant_approves_a_quote(client, merchant, dispatcher, other_merchant, zhang):
    expired = device_in_warranty(merchant.merchant, serial_number="OLD-8002", activated_on=datetime_days_ago(800))
    ticket = file_ticket(merchant, expired)
    assert not ticket.warranty_covered
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    check_in(ticket, zhang)
    screen = SparePartFactory(unit_cost=Decimal("420.00"))
    quote = send_quote(ticket, zhang.user, parts=[(screen, 1)], note="New screen.")
    client.force_login(merchant)
    page = client.get(url("detail", ticket)).content.decode()
    assert "¥500.00" in page and "Approve and repair" in page
    response = client.post(url("quote_decide", ticket, quote.pk), {"decision": "approve"}, follow=True)
    assert "Quote approved; the repair goes ahead." in messages_of(response)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    assert refreshed(ticket).status == Status.ON_SITE
    again = client.post(url("quote_decide", ticket, quote.pk), {"decision": "decline"}, follow=True)
    assert "This quote was already answered." in messages_of(again)


def datetime_days_ago(days):
    import datetime

    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=days)


def test_after_resolution_the_merchant_sees_the_result_receipt_and_rates_once(
    client, merchant, dispatcher, ticket, zhang
):
    part = SparePartFactory(name="Thermal printer module", unit_cost=Decimal("120.00"))
    part.compatible_models.add(ticket.device.model)
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    check_in(ticket, zhang)
    services.ticket_resolve(
        ticket=ticket,
        by=zhang.user,
        outcome="replaced",
        work_done="Replaced the printer module.",
        parts=[(part, 1)],
        warehouse=WarehouseFactory(),
    )
    client.force_login(merchant)
    page = client.get(url("detail", ticket)).content.decode()
    assert "Replaced the printer module." in page
    assert "1 × Thermal printer module" in page
    assert "Free of charge under warranty." in page
    assert 'data-testid="rate"' in page

    receipt = client.get(url("receipt", ticket)).content.decode()
    assert ticket.number in receipt
    assert ticket.device.serial_number in receipt
    assert "In warranty until" in receipt
    assert "Replaced the printer module." in receipt

    response = client.post(url("feedback", ticket), {"feedback-rating": "5", "feedback-comment": "Quick!"}, follow=True)
    assert "Thank you for rating our service." in messages_of(response)
    assert refreshed(ticket).status == Status.CLOSED
    page = response.content.decode()
    assert 'data-testid="rate"' not in page
    assert "★★★★★" in page
    again = client.post(url("feedback", ticket), {"feedback-rating": "1"}, follow=True)
    assert "You have already rated this service. Thank you!" in messages_of(again)
    assert ticket.feedback.rating == 5


def test_a_rating_must_be_chosen(client, merchant, dispatcher, ticket):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Restarted the app remotely.")
    client.force_login(merchant)
    response = client.post(url("feedback", ticket), {"feedback-comment": "Kept comment"})
    assert response.status_code == 200
    assert "feedback-rating" in response.content.decode()
    assert "rating" in response.context["feedback_form"].errors
    assert "Kept comment" in response.content.decode()


def test_the_receipt_waits_for_the_resolution(client, merchant, ticket):
    client.force_login(merchant)
    response = client.get(url("receipt", ticket), follow=True)
    assert "The service receipt is ready once the ticket is resolved." in messages_of(response)


# --- the dispatcher ------------------------------------------------------------------------------------


def test_the_console_lists_open_tickets_with_deadlines(client, dispatcher, merchant, ticket, other_merchant):
    closed = file_ticket(other_merchant, kind="consultation", fault_category="")
    services.ticket_cancel(ticket=closed, by=dispatcher)
    client.force_login(dispatcher)
    page = client.get(reverse("tickets:console")).content.decode()
    assert ticket.number in page
    assert closed.number not in page
    assert 'data-milestone="respond"' in page
    assert closed.number in client.get(reverse("tickets:console"), {"status": "cancelled"}).content.decode()
    assert ticket.number not in client.get(reverse("tickets:console"), {"assigned": "yes"}).content.decode()
    assert ticket.number in client.get(reverse("tickets:console"), {"assigned": "no"}).content.decode()


def test_a_dispatcher_acknowledges_assigns_and_reassigns(client, dispatcher, ticket, zhang):
    li = TechnicianFactory(user__username="tech-li", regions=[], trained_on=[])
    client.force_login(dispatcher)
    page = client.get(url("detail", ticket)).content.decode()
    # The choice is informed: region, training and workload of each technician.
    assert "0 of 5 open jobs" in page
    assert f"Trained on {ticket.device.model} since 2026-01-05" in page
    assert page.index(str(zhang)) < page.index(str(li))  # trained and local first

    response = client.post(url("acknowledge", ticket), follow=True)
    assert "Ticket acknowledged." in messages_of(response)
    assert refreshed(ticket).status == Status.ACKNOWLEDGED

    response = client.post(
        url("assign", ticket), {"assign-technician": zhang.pk, "assign-scheduled_at": ""}, follow=True
    )
    assert "Technician assigned." in messages_of(response)
    assert refreshed(ticket).status == Status.DISPATCHED
    # Li serves no region and is trained on nothing: sending him takes a reason, kept on the timeline.
    response = client.post(url("assign", ticket), {"assign-technician": li.pk})
    assert response.status_code == 200
    assert response.context["assign_form"].errors["override_reason"] == [
        f"{li} is outside the region, not trained on this model. Say why you send them anyway, or choose someone else."
    ]
    assert ticket.assignments.get(released_at__isnull=True).technician == zhang
    response = client.post(
        url("assign", ticket),
        {"assign-technician": li.pk, "assign-override_reason": "Zhang is ill; Li knows the shop."},
        follow=True,
    )
    assert "Technician assigned." in messages_of(response)
    assert ticket.assignments.get(released_at__isnull=True).technician == li
    assert "Assigned despite: outside the region, not trained on this model." in response.content.decode()


def test_assigning_without_a_technician_names_the_field(client, dispatcher, ticket):
    client.force_login(dispatcher)
    response = client.post(url("assign", ticket), {"assign-message": "Urgent, keep this"})
    assert response.status_code == 200
    assert response.context["assign_form"].errors["technician"] == ["Choose a technician."]
    assert "Urgent, keep this" in response.content.decode()


def test_a_dispatcher_writes_internal_notes_and_public_replies(client, dispatcher, merchant, ticket):
    client.force_login(dispatcher)
    client.post(url("reply", ticket), {"reply-body": "Spare reserved.", "visibility": "internal"})
    client.post(url("reply", ticket), {"reply-body": "We are on it.", "visibility": "public"})
    assert list(ticket.comments.values_list("body", "internal")) == [
        ("Spare reserved.", True),
        ("We are on it.", False),
    ]
    assert merchant.notifications.filter(subject__contains="New reply").count() == 1


def test_a_dispatcher_pauses_for_the_merchant_and_resumes(client, dispatcher, ticket, zhang):
    client.force_login(dispatcher)
    response = client.post(url("pause", ticket), {"pause-reason": ""})
    assert response.context["pause_form"].errors["reason"]
    client.post(url("pause", ticket), {"pause-reason": "Waiting for the shop's opening hours."})
    assert refreshed(ticket).status == Status.WAITING_MERCHANT
    # Assigning a paused ticket is refused in words, not with a server error.
    response = client.post(url("assign", ticket), {"assign-technician": zhang.pk}, follow=True)
    assert response.status_code == 200
    assert "This ticket is waiting for the merchant; resume it first." in messages_of(response)
    response = client.post(url("acknowledge", ticket), follow=True)
    assert "This ticket is waiting for the merchant; resume it first." in messages_of(response)
    client.post(url("resume", ticket))
    assert refreshed(ticket).status == Status.NEW


def test_a_dispatcher_resolves_remotely_and_closes(client, dispatcher, ticket):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    client.force_login(dispatcher)
    response = client.post(url("resolve", ticket), {"resolve-outcome": "remote", "resolve-work_done": ""})
    assert response.context["resolve_form"].errors["work_done"]
    response = client.post(
        url("resolve", ticket),
        {
            "resolve-outcome": "remote",
            "resolve-work_done": "Pushed the new app version.",
            "parts-TOTAL_FORMS": "3",
            "parts-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert refreshed(ticket).status == Status.RESOLVED
    client.post(url("close", ticket))
    assert refreshed(ticket).status == Status.CLOSED


# --- the technician ----------------------------------------------------------------------------------


def test_a_technician_accepts_checks_in_and_resolves_with_parts(client, dispatcher, ticket, zhang):
    part = SparePartFactory(name="Thermal printer module", stock=2)
    part.compatible_models.add(ticket.device.model)
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    client.force_login(zhang.user)
    jobs = client.get(reverse("tickets:jobs")).content.decode()
    assert ticket.number in jobs and "Accept the job" in jobs

    assert "Job accepted." in messages_of(client.post(url("accept", ticket), follow=True))
    response = client.post(url("check_in", ticket), {"check_in-code": wrong_code(ticket)})
    assert response.context["check_in_form"].errors["code"] == [
        "That is not this ticket's confirmation code. Ask the merchant for the code on their request page."
    ]
    response = client.post(url("check_in", ticket), {"check_in-code": ticket.confirmation_code}, follow=True)
    assert "Checked in on site: the visit is verified." in messages_of(response)
    assert refreshed(ticket).status == Status.ON_SITE

    page = client.get(url("detail", ticket)).content.decode()
    assert "Thermal printer module (2 in stock)" in page
    data = {
        "resolve-outcome": "replaced",
        "resolve-work_done": "Swapped the printer module, printed a test receipt.",
        "parts-TOTAL_FORMS": "3",
        "parts-INITIAL_FORMS": "0",
        "parts-0-part": str(part.pk),
        "parts-0-quantity": "3",
        "resolve-warehouse": str(WarehouseFactory().pk),
    }
    response = client.post(url("resolve", ticket), data)
    # Not enough stock: the form comes back with what was typed.
    assert response.status_code == 200
    assert "Not enough" in response.content.decode()
    assert "Swapped the printer module, printed a test receipt." in response.content.decode()
    assert refreshed(ticket).status == Status.ON_SITE

    data["parts-0-quantity"] = "1"
    response = client.post(url("resolve", ticket), data, follow=True)
    assert "Ticket resolved; the merchant is asked to rate the service." in messages_of(response)
    assert refreshed(ticket).status == Status.RESOLVED
    assert stock_of(part) == 1
    assert list(ticket.report.parts.values_list("spare_part", "quantity")) == [(part.pk, 1)]


def test_a_technician_sends_a_quote_out_of_warranty(client, merchant, dispatcher, zhang):
    expired = device_in_warranty(merchant.merchant, serial_number="OLD-8003", activated_on=datetime_days_ago(800))
    screen = SparePartFactory(unit_cost=Decimal("420.00"), name="Touch screen assembly")
    screen.compatible_models.add(expired.model)
    ticket = file_ticket(merchant, expired)
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    check_in(ticket, zhang)
    client.force_login(zhang.user)
    form = client.get(url("detail", ticket)).content.decode()
    assert "Touch screen assembly, ¥420.00" in form and "¥80.00 per visit" in form
    assert "quote_parts-0-unit_price" not in form  # prices are the manager's
    nothing = {"quote_parts-TOTAL_FORMS": "3", "quote_parts-INITIAL_FORMS": "0", "quote-labour_quantity": ""}
    response = client.post(url("quote_send", ticket), nothing)
    assert "Add at least one part or labour line." in str(response.context["quote_form"].non_field_errors())
    response = client.post(
        url("quote_send", ticket),
        {
            **nothing,
            "quote_parts-0-part": str(screen.pk),
            "quote_parts-0-quantity": "1",
            "quote-labour_quantity": "1",
            "quote-note": "Screen assembly",
        },
        follow=True,
    )
    assert "Quote sent to the merchant; the ticket waits for the answer." in messages_of(response)
    assert refreshed(ticket).status == Status.WAITING_MERCHANT
    quote = ticket.quotes.get()
    assert (quote.parts_amount, quote.labour_amount, quote.total) == (
        Decimal("420.00"),
        Decimal("80.00"),
        Decimal("500.00"),
    )
    assert [(line.kind, line.quantity, line.unit_price) for line in quote.lines.all()] == [
        ("part", Decimal("1.00"), Decimal("420.00")),
        ("labour", Decimal("1.00"), Decimal("80.00")),
    ]


def test_no_quote_is_offered_in_warranty(client, dispatcher, ticket, zhang):
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    client.force_login(zhang.user)
    assert 'data-testid="send-quote"' not in client.get(url("detail", ticket)).content.decode()
    response = client.post(
        url("quote_send", ticket),
        {"quote_parts-TOTAL_FORMS": "0", "quote_parts-INITIAL_FORMS": "0", "quote-labour_quantity": "1"},
        follow=True,
    )
    assert "This repair is covered by warranty and free of charge." in messages_of(response)


def test_a_technician_notes_stay_internal(client, merchant, dispatcher, ticket, zhang):
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    client.force_login(zhang.user)
    client.post(url("reply", ticket), {"reply-body": "Needs a new board.", "visibility": "internal"})
    client.force_login(merchant)
    assert "Needs a new board." not in client.get(url("detail", ticket)).content.decode()


def test_the_merchant_reads_what_the_service_is_waiting_for(client, merchant, dispatcher, ticket):
    services.ticket_pause(ticket=ticket, by=dispatcher, reason="Please send a photo of the error code.")
    client.force_login(merchant)
    page = client.get(url("detail", ticket)).content.decode()
    assert 'data-testid="waiting"' in page
    assert "Please send a photo of the error code." in page
    assert "paused" in page


def test_a_manager_rejects_a_visit_staff_recorded_from_the_ticket_page(
    client, dispatcher, manager, other_merchant, ticket, zhang
):
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    visit = services.ticket_visit_record(ticket=refreshed(ticket), by=dispatcher, reason="The merchant called.")
    reject = url("visit_reject", ticket, visit.pk)

    client.force_login(dispatcher)
    assert reject not in client.get(url("detail", ticket)).content.decode()  # only managers see it
    response = client.post(reject, {"reject-reason": "Nobody came."}, follow=True)
    assert "Only a manager rejects a visit recorded by staff." in messages_of(response)

    client.force_login(other_merchant)
    assert client.post(reject, {"reject-reason": "Nobody came."}).status_code == 404

    client.force_login(manager)
    page = client.get(url("detail", ticket)).content.decode()
    assert reject in page and 'data-testid="reject-visit"' in page
    empty = client.post(reject, {"reject-reason": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert refreshed(ticket).status == Status.ON_SITE

    response = client.post(reject, {"reject-reason": "The merchant says nobody came."}, follow=True)
    assert "Visit rejected; the ticket is back to dispatched." in messages_of(response)
    assert refreshed(ticket).status == Status.DISPATCHED
    page = response.content.decode()
    assert 'data-testid="visit-rejected"' in page and "Why rejected: The merchant says nobody came." in page
    assert "Visit of" in page and "rejected: it does not count as on site" in page
    assert reject not in page  # decided: no second button


def test_on_a_technicians_page_the_next_step_comes_before_the_information(client, dispatcher, ticket, zhang):
    services.ticket_assign(ticket=ticket, technician=zhang, by=dispatcher)
    client.force_login(zhang.user)
    page = client.get(url("detail", ticket)).content.decode()
    assert page.count('data-testid="quick-actions"') == 1
    assert page.index('data-testid="quick-actions"') < page.index('data-testid="request"')
    assert page.index('data-testid="accept"') < page.index('data-testid="warranty"')
    # Staff keep it in the side column, after the information.
    client.force_login(dispatcher)
    page = client.get(url("detail", ticket)).content.decode()
    assert page.count('data-testid="quick-actions"') == 1
    assert page.index('data-testid="request"') < page.index('data-testid="quick-actions"')

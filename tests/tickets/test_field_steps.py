"""The technician's other steps and the merchant's answer to them: decline with a reason, "on my
way" with the code, complete with photos and a signature, "not fixed" within a few days."""

import base64
import io

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from possystem.errors import InvalidInput, StateConflict, TransitionNotAllowed
from sla.models import Milestone, SLACheck
from tests.factories import TechnicianFactory
from tests.helpers import at, check_in
from tests.tickets.pages import png
from tickets import services
from tickets.models import Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(ticket, dispatcher, technician):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    return ticket


def signature_png(ink=True) -> str:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    if ink:
        for x in range(40, 260):
            image.putpixel((x, 50 + x % 20), (20, 20, 20, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_a_declined_job_goes_back_to_the_dispatchers_with_the_reason(dispatched, technician, dispatcher, merchant):
    with pytest.raises(InvalidInput):
        services.assignment_decline(assignment=dispatched.active_assignment, by=technician.user, reason=" ")
    services.assignment_decline(assignment=dispatched.active_assignment, by=technician.user, reason="Car broke down.")
    ticket = Ticket.objects.get(pk=dispatched.pk)
    assert ticket.status == Status.ACKNOWLEDGED and ticket.active_assignment is None
    assert ticket.assignments.get().declined_at is not None
    declined = ticket.events.get(kind=TicketEvent.Kind.DECLINED)
    assert (declined.public, declined.message) == (False, "Car broke down.")
    told = dispatcher.notifications.get(subject__contains="declined")
    assert "Car broke down" in told.body and "assign someone else" in told.body
    # The queue takes it again: a dispatcher assigns someone else.
    services.ticket_assign(ticket=ticket, technician=TechnicianFactory(), by=dispatcher)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED


def test_a_job_checked_in_to_cannot_be_declined(dispatched, technician):
    check_in(dispatched, technician)
    with pytest.raises(TransitionNotAllowed, match="cannot be declined"):
        services.assignment_decline(assignment=dispatched.active_assignment, by=technician.user, reason="Too hard.")


def test_on_my_way_tells_the_merchant_with_the_code(dispatched, technician, merchant):
    with pytest.raises(TransitionNotAllowed):  # accept first
        services.assignment_on_the_way(assignment=dispatched.active_assignment, by=technician.user)
    services.assignment_accept(assignment=dispatched.active_assignment, by=technician.user)
    services.assignment_on_the_way(assignment=dispatched.active_assignment, by=technician.user)
    notice = merchant.notifications.get(subject__contains="is on the way")
    assert dispatched.confirmation_code in notice.body
    assert dispatched.events.filter(kind=TicketEvent.Kind.ON_THE_WAY, public=True).exists()
    with pytest.raises(StateConflict):
        services.assignment_on_the_way(assignment=dispatched.active_assignment, by=technician.user)


def test_a_technician_resolves_only_a_job_they_accepted(dispatched, technician, dispatcher):
    services.ticket_visit_record(ticket=dispatched, by=dispatcher, reason="Checked in by phone.")
    with pytest.raises(TransitionNotAllowed, match="The job must be accepted first"):
        services.ticket_resolve(ticket=dispatched, by=technician.user, outcome="repaired", work_done="Fixed.")
    services.assignment_accept(assignment=dispatched.active_assignment, by=technician.user)
    services.ticket_resolve(ticket=dispatched, by=technician.user, outcome="repaired", work_done="Fixed.")
    assert Ticket.objects.get(pk=dispatched.pk).status == Status.RESOLVED


def test_completion_keeps_photos_and_the_signature_and_the_receipt_shows_them(client, dispatched, technician, merchant):
    check_in(dispatched, technician)
    with pytest.raises(InvalidInput) as blank:
        services.ticket_resolve(
            ticket=dispatched, by=technician.user, outcome="repaired", work_done="x", signature=signature_png(ink=False)
        )
    assert list(blank.value.errors) == ["signature"]
    report = services.ticket_resolve(
        ticket=dispatched,
        by=technician.user,
        outcome="repaired",
        work_done="Cleaned the printer head.",
        photos=[png("before.png"), png("after.png", colour=(10, 200, 10))],
        signature=signature_png(),
        signed_by="王丽",
    )
    assert report.photos.count() == 2 and report.signature.signed_by == "王丽"
    client.force_login(merchant)
    page = client.get(reverse("tickets:detail", args=[dispatched.number])).content.decode()
    assert 'data-testid="work-photos"' in page and 'data-testid="signature"' in page
    assert 'data-testid="filing-photos"' not in page  # work photos are not the photos filed with the request
    receipt = client.get(reverse("tickets:receipt", args=[dispatched.number])).content.decode()
    assert 'data-testid="receipt-signature"' in receipt and "王丽" in receipt
    signature = client.get(reverse("tickets:signature", args=[dispatched.number, report.pk]))
    assert signature.status_code == 200 and signature["Content-Type"] == "image/png"


def test_another_merchant_never_sees_the_signature(client, dispatched, technician, other_merchant):
    check_in(dispatched, technician)
    report = services.ticket_resolve(
        ticket=dispatched,
        by=technician.user,
        outcome="repaired",
        work_done="x",
        signature=signature_png(),
        signed_by="W",
    )
    client.force_login(other_merchant)
    assert client.get(reverse("tickets:signature", args=[dispatched.number, report.pk])).status_code == 404


def test_not_fixed_reopens_the_ticket_within_the_days_allowed(file_at, merchant, dispatcher, technician, settings):
    settings.TICKET_REOPEN_DAYS = 3
    ticket = file_at(at(2026, 11, 27, 10))
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        check_in(ticket, technician)
        services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="Roller.")
    with time_machine.travel(at(2026, 11, 29, 9), tick=False):
        services.ticket_reopen(ticket=ticket, by=merchant, reason="It jams again.")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.resolved_at, ticket.restored_at) == (Status.ACKNOWLEDGED, None, None)
    assert ticket.onsite_at is not None  # the first visit still counts
    assert SLACheck.objects.filter(ticket=ticket, milestone=Milestone.RESOLVE).exists()
    assert ticket.events.get(kind=TicketEvent.Kind.REOPENED).message == "It jams again."
    assert dispatcher.notifications.filter(subject__contains="reopened").exists()

    # Another visit, another report; the ticket's report is the latest.
    with time_machine.travel(at(2026, 11, 29, 10), tick=False):
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        check_in(ticket, technician)
        services.ticket_resolve(ticket=ticket, by=technician.user, outcome="replaced", work_done="New printer.")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.reports.count() == 2 and ticket.report.work_done == "New printer."

    with time_machine.travel(at(2026, 12, 2, 10, 1), tick=False), pytest.raises(TransitionNotAllowed, match="3 days"):
        services.ticket_reopen(ticket=ticket, by=merchant, reason="Again.")


def test_a_rating_still_closes_it_and_then_it_cannot_be_reopened(ticket, merchant, dispatcher):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reset.")
    services.ticket_feedback_give(ticket=ticket, by=merchant, rating=5)
    with pytest.raises(TransitionNotAllowed):
        services.ticket_reopen(ticket=Ticket.objects.get(pk=ticket.pk), by=merchant, reason="Broken again.")


def test_the_merchant_says_not_fixed_on_the_page(client, ticket, merchant, dispatcher, other_merchant):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reset.")
    url = reverse("tickets:reopen", args=[ticket.number])
    client.force_login(other_merchant)
    assert client.post(url, {"reopen-reason": "x"}).status_code == 404
    client.force_login(merchant)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert 'data-testid="reopen"' in page and 'data-testid="rate"' in page
    response = client.post(url, {"reopen-reason": ""})
    assert response.context["reopen_form"].errors["reason"]
    response = client.post(url, {"reopen-reason": "Still no receipts."}, follow=True)
    assert "The request is open again" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ACKNOWLEDGED


def test_steps_taken_on_a_stale_job_lose_the_race(dispatched, technician, dispatcher, merchant):
    services.assignment_accept(assignment=dispatched.active_assignment, by=technician.user)
    # The technician's page read the job (its assignments loaded once, as the page loads them)...
    stale = Ticket.objects.prefetch_related("assignments__technician__user").get(pk=dispatched.pk)
    stale_assignment = stale.active_assignment
    stale_assignment.ticket = stale
    # ...and meanwhile the dispatcher sends someone else: the guard passes on what was read, the
    # conditional UPDATE finds the job released.
    services.ticket_assign(ticket=dispatched, technician=TechnicianFactory(), by=dispatcher)
    with pytest.raises(StateConflict):
        services.assignment_on_the_way(assignment=stale_assignment, by=technician.user)
    with pytest.raises(StateConflict):
        services.assignment_decline(assignment=stale_assignment, by=technician.user, reason="Ill.")
    assert Ticket.objects.get(pk=dispatched.pk).active_assignment.technician != technician


def test_of_two_reopenings_one_wins(ticket, merchant, dispatcher):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reset.")
    first, second = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    services.ticket_reopen(ticket=first, by=merchant, reason="Still jams.")
    with pytest.raises(StateConflict):
        services.ticket_reopen(ticket=second, by=merchant, reason="Still jams.")
    assert ticket.events.filter(kind=TicketEvent.Kind.REOPENED).count() == 1


def test_the_receipt_labels_read_right_in_english_and_in_chinese(client, dispatched, technician, merchant):
    check_in(dispatched, technician)
    services.ticket_resolve(
        ticket=dispatched, by=technician.user, outcome="repaired", work_done="Cleaned.", signature=signature_png(),
        signed_by="王丽",
    )  # fmt: skip
    client.force_login(merchant)
    url = reverse("tickets:receipt", args=[dispatched.number])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Merchant's signature: 王丽" in english and "Technician's signature: ____" in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "商户签字：王丽" in chinese and "工程师签字：____" in chinese
    assert "签字:" not in chinese  # no ASCII colon after a Chinese label

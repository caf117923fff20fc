"""Filing costs a fixed, small number of queries, on the web form and through the API: the warranty
decision, the deadlines, the timeline, the SLA checks and the outbox included; the working calendar,
the SLA policies and the webhook subscriptions are read once per process, not per filing."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from sla.models import CalendarDay
from tests.factories import file_ticket
from tests.helpers import at, filing
from tests.tickets.test_pages_filing import filing as form_filing
from tests.tickets.test_pages_filing import form_key
from tickets.models import Ticket
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

# The test's own transaction turns the filing's into a savepoint: two statements more than in
# production (SAVEPOINT and RELEASE).
SAVEPOINT = 2
# the user (the session comes from the cache: possystem.sessions), the chosen terminal with its
# merchant, its warranty, the day's ticket number with the terminal's repeat repairs (tickets.facts),
# the ticket, its timeline entry, its SLA checks, the merchant's users with their notices and the
# e-mail outbox (one statement); in production BEGIN and COMMIT make it 10
WEB_FILING_QUERIES = 8
# the API key, the terminal, its warranty, the ticket number with the repeat repairs, the ticket, the
# timeline entry, the SLA checks, the merchant's users with their notices and the e-mail outbox
API_FILING_QUERIES = 8


@pytest.fixture
def warm(merchant, device, sla_policy):
    """A first filing in the process reads the calendar, the policies and the subscriptions."""
    return file_ticket(merchant, device=device)


def test_the_web_form_files_in_eight_queries(client, merchant, device, warm, django_assert_num_queries):
    client.force_login(merchant)
    key = form_key(client)
    with django_assert_num_queries(WEB_FILING_QUERIES + SAVEPOINT):
        response = client.post(reverse("tickets:new"), form_filing(key, device))
    ticket = Ticket.objects.latest("pk")
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert ticket.submission_key == key and ticket.next_due == ticket.respond_by
    assert ticket.sla_checks.count() == 3 and ticket.events.count() == 1


def test_a_repeated_submission_finds_the_first_ticket_by_its_key(client, merchant, device, warm):
    client.force_login(merchant)
    key = form_key(client)
    first = client.post(reverse("tickets:new"), form_filing(key, device))
    again = client.post(reverse("tickets:new"), form_filing(key, device))
    invalid_again = client.post(reverse("tickets:new"), form_filing(key, device, description=""))
    assert first["Location"] == again["Location"] == invalid_again["Location"]
    assert Ticket.objects.filter(submission_key=key).count() == 1


def test_the_api_files_in_eight_queries(partner_api, device, warm, django_assert_num_queries):
    partner_api.post("/api/v1/tickets/", filing(device), format="json")  # the key's last use is written once a minute
    with django_assert_num_queries(API_FILING_QUERIES + SAVEPOINT):
        response = partner_api.post("/api/v1/tickets/", filing(device), format="json")
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert datetime.datetime.fromisoformat(body["sla"]["respond_by"]) == ticket.respond_by
    assert body["warranty"]["covered"] is True and body["status"] == "new"


def test_a_partner_with_webhooks_costs_one_insert_more(partner_api, partner, device, warm, django_assert_num_queries):
    WebhookSubscription.objects.create(
        partner=partner.partner, url="https://example.com/hook", events=["ticket.created"], secret="s"
    )
    partner_api.post("/api/v1/tickets/", filing(device), format="json")  # reads the subscriptions again
    with django_assert_num_queries(API_FILING_QUERIES + 1 + SAVEPOINT):
        response = partner_api.post("/api/v1/tickets/", filing(device), format="json")
    assert WebhookDelivery.objects.filter(ticket_number=response.json()["number"], event_type="ticket.created").exists()


def test_a_calendar_day_changed_in_the_admin_moves_the_next_deadlines(merchant, device, sla_policy):
    friday = at(2026, 12, 4, 10)
    with time_machine.travel(friday, tick=False):
        before = file_ticket(merchant, device=device, fault_category="software")
        CalendarDay.objects.create(date=datetime.date(2026, 12, 7), is_working_day=False, note="Local holiday")
        after = file_ticket(merchant, device=device, fault_category="software")
    assert before.resolve_by.date() == datetime.date(2026, 12, 7)  # one working day: Monday
    assert after.resolve_by.date() == datetime.date(2026, 12, 8)  # Monday is off now: Tuesday


def test_a_filing_reads_the_calendar_once_for_its_deadlines_and_its_checks(merchant, device, warm, monkeypatch):
    from sla.calendar import WorkingCalendar

    reads = []
    current = WorkingCalendar.current

    def counted():
        reads.append(1)
        return current()

    monkeypatch.setattr(WorkingCalendar, "current", staticmethod(counted))
    ticket = file_ticket(merchant, device=device)
    assert len(reads) == 1
    assert ticket.sla_checks.count() == 3

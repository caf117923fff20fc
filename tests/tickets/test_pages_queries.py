"""The merchant's list and the ticket page cost a fixed number of queries, however much data there is."""

import pytest
from django.urls import reverse

from tests.factories import TechnicianFactory, device_in_warranty, file_ticket
from tests.tickets.pages import png
from tickets import selectors, services

pytestmark = pytest.mark.django_db

N = 3


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    return sla_policy


def tickets_for(merchant, count):
    device = device_in_warranty(merchant.merchant)
    return [file_ticket(merchant, device) for _ in range(count)]


# Each signed-in page reads its session from the cache (possystem.sessions), not with a query.
# The user, unread notifications, the page of tickets (seek pages count nothing; the working-day
# calendar's corrections are read once per process: sla.calendar.WorkingCalendar.current)
LIST_QUERIES = 3


@pytest.mark.parametrize("count", [N, 3 * N])
def test_the_merchant_list_costs_the_same_for_n_and_3n_tickets(client, merchant, django_assert_num_queries, count):
    tickets = tickets_for(merchant, count)
    client.force_login(merchant)
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(reverse("tickets:list")).content.decode()
    assert all(t.number in page for t in tickets)


def busy_ticket(merchant, dispatcher, technician, rounds):
    """A dispatched ticket with `rounds` exchanges: replies with photos both ways and internal notes."""
    ticket = file_ticket(merchant, device_in_warranty(merchant.merchant), photos=[png()])
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    for n in range(rounds):
        services.ticket_comment_add(ticket=ticket, by=merchant, body=f"Still broken ({n}).", photos=[png()])
        services.ticket_comment_add(ticket=ticket, by=dispatcher, body=f"On it ({n}).")
        services.ticket_comment_add(ticket=ticket, by=dispatcher, body=f"Note {n}.", internal=True, photos=[png()])
    return ticket


# the user, the ticket with its one-to-ones, assignments, visits, quotes, repair reports, events,
# the photos on their comments, the photos filed with the ticket, loaner terminals, unread
# notifications, the calendar's corrections
MERCHANT_DETAIL_QUERIES = 11
# the same, plus the technicians offered for re-assignment with their regions, trainings, shifts and
# leave days
DISPATCHER_DETAIL_QUERIES = MERCHANT_DETAIL_QUERIES + 5


@pytest.mark.parametrize("rounds", [N, 3 * N])
def test_the_ticket_page_costs_the_same_for_n_and_3n_events(
    client, merchant, dispatcher, django_assert_num_queries, rounds
):
    technician = TechnicianFactory()
    ticket = busy_ticket(merchant, dispatcher, technician, rounds)
    url = reverse("tickets:detail", args=[ticket.number])

    client.force_login(merchant)
    with django_assert_num_queries(MERCHANT_DETAIL_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('data-kind="comment"') == 2 * rounds

    client.force_login(dispatcher)
    with django_assert_num_queries(DISPATCHER_DETAIL_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('data-kind="note"') == rounds


# the user, the first page's ids with the queue's size (counted up to 200), the page's rows, their
# assignments, unread notifications (the regions are read once per process: accounts.regions)
CONSOLE_QUERIES = 5


@pytest.mark.parametrize("count", [N, 3 * N])
def test_the_console_costs_the_same_for_n_and_3n_tickets(
    client, merchant, dispatcher, django_assert_num_queries, count
):
    technician = TechnicianFactory()
    tickets = tickets_for(merchant, count)
    for ticket in tickets[::2]:
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    client.force_login(dispatcher)
    client.get(reverse("tickets:console"))  # this process reads the regions
    with django_assert_num_queries(CONSOLE_QUERIES):
        page = client.get(reverse("tickets:console")).content.decode()
    assert all(t.number in page for t in tickets)


# the user, open jobs, their terminals' earlier repairs (each with its latest outcome), recently
# completed jobs, unread notifications
JOBS_QUERIES = 5


@pytest.mark.parametrize("count", [N, 3 * N])
def test_the_jobs_page_costs_the_same_for_n_and_3n_jobs(client, merchant, dispatcher, django_assert_num_queries, count):
    technician = TechnicianFactory(capacity=3 * N)
    tickets = tickets_for(merchant, count)
    earlier = file_ticket(merchant, tickets[0].device)
    services.ticket_acknowledge(ticket=earlier, by=dispatcher)
    services.ticket_resolve(ticket=earlier, by=dispatcher, outcome="remote", work_done="Restarted it.")
    for ticket in tickets:
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    # One job waits on the merchant: its paused clocks read what the others' do not.
    services.ticket_pause(ticket=tickets[0], by=dispatcher, reason="The merchant is closed today.")
    client.force_login(technician.user)
    with django_assert_num_queries(JOBS_QUERIES):
        page = client.get(reverse("tickets:jobs")).content.decode()
    assert all(t.number in page for t in tickets)
    assert page.count("Fixed remotely") == count  # each job card shows the terminal's repair history
    assert page.count("Clock paused with") == 1  # the paused job's next deadline


def test_a_job_card_loads_only_the_last_repairs_of_its_terminal(client, merchant, dispatcher):
    technician = TechnicianFactory()
    device = device_in_warranty(merchant.merchant)
    earlier = [file_ticket(merchant, device, fault_category=f) for f in ("printer", "screen", "battery", "card_reader")]
    for ticket in earlier:
        services.ticket_acknowledge(ticket=ticket, by=dispatcher)
        services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Restarted it.")
    job = file_ticket(merchant, device)
    services.ticket_assign(ticket=job, technician=technician, by=dispatcher)

    (card,) = selectors.job_list(actor=technician.user)
    repairs = card.ticket.device.repairs
    assert [t.number for t in repairs] == [t.number for t in reversed(earlier)][: selectors.HISTORY_LENGTH]
    assert all(t.outcome == "remote" for t in repairs)  # the latest report's, read with the repair
    client.force_login(technician.user)
    history = client.get(reverse("tickets:jobs")).content.decode().split('data-testid="repair-history"')[1]
    history = history.split("</dd>")[0]
    assert history.count("Fixed remotely") == selectors.HISTORY_LENGTH
    assert "Receipt printer" not in history  # the oldest repair is beyond the card's history

"""The console's search finds a ticket by its number, its terminal's serial, its merchant's name or its
contact phone; it reads the matching ids leg by leg (one capped query per index), and a search that
matches more than SEARCH_MATCH_CAP tickets walks the queue instead and says "200+" without counting."""

import pytest
from django.urls import reverse

from possystem.seek import seek_page
from tests.factories import MerchantFactory, device_in_warranty, file_ticket, merchant_user
from tickets import selectors
from tickets.models import OPEN_STATUSES, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(merchant, sla_policy):
    tea = merchant.merchant
    noodles = merchant_user(username="merchant-noodles", merchant=MerchantFactory(name="Lanzhou Noodles"))
    return {
        "by_serial": file_ticket(merchant, device=device_in_warranty(tea, serial_number="PAX-FIND-ME-1")),
        "by_phone": file_ticket(merchant, contact_phone="13912345678"),
        "by_merchant": file_ticket(noodles),
        "by_merchant_too": file_ticket(noodles, contact_phone="13912345678"),
        "other": file_ticket(merchant),
    }


def found(dispatcher, search):
    tickets = selectors.ticket_console(actor=dispatcher, search=search)
    return selectors.console_page(tickets, size=50, searched=True)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("find-me", {"by_serial"}),
        ("912345", {"by_phone", "by_merchant_too"}),
        ("noodles", {"by_merchant", "by_merchant_too"}),
    ],
)
def test_it_finds_tickets_by_serial_phone_and_merchant_name(dispatcher, tickets, search, expected):
    page = found(dispatcher, search)
    assert {t.number for t in page.rows} == {tickets[name].number for name in expected}
    assert (page.count, page.count_capped) == (len(expected), False)


def test_it_finds_a_ticket_by_its_number(dispatcher, tickets):
    number = tickets["other"].number
    assert [t.number for t in found(dispatcher, number).rows] == [number]


def test_a_search_matching_more_than_the_cap_walks_the_queue_and_does_not_count(
    dispatcher, tickets, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr("tickets.selectors.SEARCH_MATCH_CAP", 2)
    whole = seek_page(
        Ticket.objects.filter(status__in=OPEN_STATUSES, number__startswith="RT-"),
        keys=selectors.CONSOLE_ORDER,
        size=3,
    )
    tickets_found = selectors.ticket_console(actor=dispatcher, search="RT-")
    # the page's ids, their rows, their assignments: no count
    with django_assert_num_queries(3):
        page = selectors.console_page(tickets_found, size=3, searched=True)
    assert page.rows == whole.rows and page.next_after == whole.next_after
    assert page.count_capped is True


# the user (the session comes from the cache), the terminals whose serial starts with the search
# (none here) then those containing it, the matching merchants, the matching ids (one statement, and
# the count of a narrow search), then a narrow search's rows, or a broad one's page ids and rows,
# the assignments, unread notifications (the regions are read once per process: accounts.regions)
SEARCH_QUERIES = {"narrow": 8, "broad": 9}


@pytest.mark.parametrize("cap", [1000, 2])
def test_a_search_page_costs_eight_or_nine_queries_narrow_or_broad(
    client, dispatcher, tickets, monkeypatch, django_assert_num_queries, cap
):
    monkeypatch.setattr("tickets.selectors.SEARCH_MATCH_CAP", cap)
    client.force_login(dispatcher)
    client.get(reverse("tickets:console"))  # this process reads the regions
    with django_assert_num_queries(SEARCH_QUERIES["broad" if cap == 2 else "narrow"]):
        page = client.get(reverse("tickets:console"), {"q": "RT-"}).content.decode()
    assert all(ticket.number in page for ticket in tickets.values())
    assert ("200+ tickets" if cap == 2 else ">5 tickets<") in page  # a broad search is not counted


def test_a_number_is_found_by_its_start_and_by_any_part_of_it(dispatcher, tickets):
    number = tickets["other"].number  # RT-20261130-0005
    assert {t.number for t in found(dispatcher, number[:12].lower()).rows} == {t.number for t in tickets.values()}
    assert [t.number for t in found(dispatcher, number[3:].lower()).rows] == [number]
    assert [t.number for t in found(dispatcher, number[-5:]).rows] == [number]  # "-0005"


def test_a_search_asks_only_the_columns_that_could_hold_it(client, dispatcher, tickets, django_assert_num_queries):
    client.force_login(dispatcher)
    client.get(reverse("tickets:console"))  # this process reads the regions
    # Spaces: in no number, serial or phone. The user, the matching merchants (none), unread
    # notifications: no query for the tickets at all.
    with django_assert_num_queries(3):
        page = client.get(reverse("tickets:console"), {"q": "no such shop"}).content.decode()
    assert "Nothing in the queue." in page
    # Letters: no phone holds them; the number, serial and merchant legs still find what they hold.
    assert {t.number for t in found(dispatcher, "noodles").rows} == {
        tickets["by_merchant"].number,
        tickets["by_merchant_too"].number,
    }


def test_a_serial_is_found_by_its_start_else_by_any_part(dispatcher, tickets, merchant):
    elsewhere = file_ticket(merchant, device=device_in_warranty(merchant.merchant, serial_number="X-PAX-FIND-ME-2"))
    # Starts so: only the serials that start with it.
    assert {t.number for t in found(dispatcher, "pax-find").rows} == {tickets["by_serial"].number}
    # No serial starts so: any that contains it.
    assert {t.number for t in found(dispatcher, "find-me").rows} == {tickets["by_serial"].number, elsewhere.number}

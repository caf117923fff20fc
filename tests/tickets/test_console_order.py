"""The console's order comes from a stored column (`Ticket.next_due`) and seeks page by page; it is
the order the console used to compute on every request, with paused tickets after running ones."""

import datetime

import pytest
import time_machine
from django.db.models import Case, DateTimeField, F, When
from django.urls import reverse

from possystem.seek import seek_page
from sla.deadlines import next_due_of
from tests.factories import TechnicianFactory, file_ticket
from tests.helpers import at, check_in
from tickets import selectors, services
from tickets.models import OPEN_STATUSES, Status, Ticket

pytestmark = pytest.mark.django_db

MORNING = at(2026, 12, 1, 9)


def old_next_due():
    """The console's order before the column: a CASE over the three deadlines, on every request."""
    return Case(
        When(responded_at__isnull=True, then=F("respond_by")),
        When(onsite_at__isnull=True, onsite_by__isnull=False, then=F("onsite_by")),
        When(resolved_at__isnull=True, then=F("resolve_by")),
        default=None,
        output_field=DateTimeField(),
    )


@pytest.fixture
def queue(merchant, dispatcher, sla_policy):
    """Open tickets with every kind of next deadline: overdue responses, met responses waiting for a
    visit, a met visit waiting for the repair, a consultation (no visit), a pause, a resumed pause
    (its deadlines moved), two filed at the same moment, and closed ones."""
    technician = TechnicianFactory()

    def file(hour, minute=0, **overrides):
        with time_machine.travel(MORNING + datetime.timedelta(hours=hour, minutes=minute), tick=False):
            return file_ticket(merchant, **overrides)

    def later(hour, action, **kwargs):
        with time_machine.travel(MORNING + datetime.timedelta(hours=hour), tick=False):
            return action(**kwargs)

    tickets = {
        "overdue": file(-30),
        "new": file(0),
        "twin_a": file(1),
        "twin_b": file(1),
        "acknowledged": file(-2),
        "visited": file(-3),
        "consultation": file(-1, kind="consultation", fault_category=""),
        "paused": file(-4),
        "resumed": file(-5),
        "paused_late": file(2),
        "resolved": file(-6),
        "cancelled": file(-7),
    }
    later(0, services.ticket_acknowledge, ticket=tickets["acknowledged"], by=dispatcher)
    later(0, services.ticket_acknowledge, ticket=tickets["consultation"], by=dispatcher)
    later(0, services.ticket_assign, ticket=tickets["visited"], technician=technician, by=dispatcher)
    with time_machine.travel(MORNING + datetime.timedelta(hours=1), tick=False):
        check_in(tickets["visited"], technician)
    later(0, services.ticket_pause, ticket=tickets["paused"], by=dispatcher, reason="Waiting for the quote.")
    later(3, services.ticket_pause, ticket=tickets["paused_late"], by=dispatcher, reason="Waiting for photos.")
    later(0, services.ticket_pause, ticket=tickets["resumed"], by=dispatcher, reason="Waiting for photos.")
    later(20, services.ticket_resume, ticket=tickets["resumed"], by=dispatcher)
    later(0, services.ticket_acknowledge, ticket=tickets["resolved"], by=dispatcher)
    later(1, services.ticket_resolve, ticket=tickets["resolved"], by=dispatcher, outcome="remote", work_done="Reset.")
    later(0, services.ticket_cancel, ticket=tickets["cancelled"], by=dispatcher)
    return tickets


def test_the_stored_next_deadline_is_the_one_the_sla_code_computes(queue):
    for ticket in Ticket.objects.all():
        assert ticket.next_due == next_due_of(ticket), ticket.number
    assert queue["paused"].next_due is None
    stored = Ticket.objects.get(pk=queue["visited"].pk)
    assert stored.next_due == stored.resolve_by  # response and visit met: the repair is next


def test_the_console_keeps_the_old_order_with_paused_tickets_after_running_ones(dispatcher, queue):
    old = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .annotate(old_due=old_next_due())
        .order_by(F("old_due").asc(nulls_last=True), "created_at", "pk")
    )
    running = [t for t in old if t.status != Status.WAITING_MERCHANT]
    paused = sorted((t for t in old if t.status == Status.WAITING_MERCHANT), key=lambda t: (t.created_at, t.pk))
    assert [t.number for t in old] != [t.number for t in running + paused]  # the pause really moved some

    page = selectors.console_page(selectors.ticket_console(actor=dispatcher), size=50)

    assert [t.number for t in page.rows] == [t.number for t in running + paused]
    assert page.rows[0] == queue["overdue"]
    assert [t for t in page.rows if t in (queue["twin_a"], queue["twin_b"])] == [queue["twin_a"], queue["twin_b"]]
    assert (page.count, page.count_capped, page.next_after) == (len(old), False, None)


@pytest.mark.parametrize(
    "filters", [{}, {"status": ""}, {"status": "waiting_merchant"}, {"priority": "normal"}, {"kind": "repair"}]
)
def test_pages_of_two_walk_the_same_order_as_one_long_page(dispatcher, queue, filters):
    tickets = selectors.ticket_console(actor=dispatcher, **filters)
    whole = selectors.console_page(tickets, size=100).rows
    walked, after = [], ""
    while True:
        page = selectors.console_page(tickets, after=after, size=2)
        walked += page.rows
        if page.next_after is None:
            break
        after = page.next_after
    assert walked == whole
    assert len(whole) > 1


def test_the_console_pages_forward_and_says_how_many_are_queued(client, dispatcher, queue, settings):
    client.force_login(dispatcher)
    first = client.get(reverse("tickets:console"), {"priority": "normal"})
    html = first.content.decode()
    assert "10 tickets" in html
    assert "First page" not in html  # 20 a page: everything fits

    token = selectors.console_page(selectors.ticket_console(actor=dispatcher), size=3).next_after
    second = client.get(reverse("tickets:console"), {"after": token}).content.decode()
    assert "First page" in second
    assert queue["overdue"].number not in second


@pytest.mark.parametrize("token", ["nonsense", "WyJ4Il0", "W251bGwsbnVsbCxudWxsXQ", "%00", "W10"])
def test_a_position_that_is_not_ours_starts_from_the_top(client, dispatcher, queue, token):
    client.force_login(dispatcher)
    response = client.get(reverse("tickets:console"), {"after": token})
    assert response.status_code == 200
    assert queue["overdue"].number in response.content.decode()


def test_the_queue_size_stops_counting_at_the_cap(dispatcher, queue, monkeypatch):
    monkeypatch.setattr("possystem.seek.COUNT_CAP", 4)
    page = seek_page(selectors.ticket_console(actor=dispatcher), keys=selectors.CONSOLE_ORDER, size=2)
    assert (page.count, page.count_capped) == (4, True)


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": ""}, {"status": "waiting_merchant"}, {"priority": "normal"}, {"assigned": "no"}, {"q": "RT-"}],
)
def test_the_first_page_by_ids_is_the_page_the_whole_query_gives(dispatcher, queue, monkeypatch, filters):
    filters = {("search" if k == "q" else k): v for k, v in filters.items()}
    tickets = selectors.ticket_console(actor=dispatcher, **filters)
    for cap in (200, 3):
        monkeypatch.setattr("possystem.seek.COUNT_CAP", cap)
        whole = seek_page(tickets, keys=selectors.CONSOLE_ORDER, size=2)
        by_ids = selectors.console_page(tickets, size=2)
        assert by_ids.rows == whole.rows and by_ids.rows
        assert (by_ids.count, by_ids.count_capped, by_ids.next_after, by_ids.first) == (
            whole.count,
            whole.count_capped,
            whole.next_after,
            True,
        )


def test_the_first_page_of_the_console_loads_its_rows_by_id(dispatcher, queue, django_assert_num_queries):
    page_ids = selectors.ticket_console(actor=dispatcher)
    # the ids (with the capped count), the rows with what they show, their assignments
    with django_assert_num_queries(3) as captured:
        page = selectors.console_page(page_ids, size=3)
    ids_query, rows_query = captured.captured_queries[0]["sql"], captured.captured_queries[1]["sql"]
    assert "JOIN" not in ids_query and "JOIN" in rows_query
    assert [t.pk for t in page.rows] and all(str(t.pk) in rows_query for t in page.rows)


def walk(client, url, monkeypatch, marker):
    """Every page of a list, following its "Next" link; the rows' `marker` values in order."""
    import re

    seen, query = [], {}
    while True:
        html = client.get(url, query).content.decode()
        seen += re.findall(marker, html)
        found = re.search(r'rel="next" href="\?[^"]*after=([^"&]+)"', html)
        if not found:
            return seen
        query = {"after": found.group(1)}


def test_the_merchants_list_pages_through_its_own_tickets_only(client, merchant, other_merchant, monkeypatch):
    monkeypatch.setattr("tickets.views.PAGE_SIZE", 2)
    mine = [file_ticket(merchant) for _ in range(5)]
    theirs = file_ticket(other_merchant)
    client.force_login(merchant)
    numbers = walk(client, reverse("tickets:list"), monkeypatch, r'href="/tickets/(RT-[0-9-]+)/"')
    assert list(dict.fromkeys(numbers)) == [t.number for t in reversed(mine)]  # newest first, no repeats
    assert theirs.number not in numbers
    # Another merchant's position shows nothing of theirs either: the scope applies to every page.
    client.force_login(other_merchant)
    token = seek_page(Ticket.objects.all(), keys=selectors.LIST_ORDER, size=1).next_after  # after the newest
    html = client.get(reverse("tickets:list"), {"after": token}).content.decode()
    assert not any(t.number in html for t in mine)


def test_the_device_list_pages_by_serial(client, dispatcher, merchant, monkeypatch):
    from devices import views as device_views
    from tests.factories import device_in_warranty

    serials = sorted(device_in_warranty(merchant.merchant).serial_number for _ in range(5))
    original = device_views.seek_page
    monkeypatch.setattr(device_views, "seek_page", lambda *args, **kwargs: original(*args, **{**kwargs, "size": 2}))
    client.force_login(dispatcher)
    found = walk(client, reverse("devices:list"), monkeypatch, r'href="/devices/([^"/]+)/"')
    assert list(dict.fromkeys(s for s in found if s in serials)) == serials

"""Quotes line by line, the charge that is the approved quote, revisions, declines and lapses."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from possystem.errors import ActionNotAllowed, InvalidInput, StateConflict, TransitionNotAllowed
from sla.models import SLACheck
from sla.selectors import ticket_is_breached, ticket_sla_status
from tests.factories import (
    DeviceFactory,
    SparePartFactory,
    WarehouseFactory,
    device_in_stock,
    file_ticket,
    stock_of,
)
from tests.helpers import check_in
from tests.helpers import quote as send_quote
from tickets import services
from tickets.models import Quote, QuoteLine, Status, Ticket, TicketEvent
from tickets.quotes import LineIn, quote_decide, quote_lapse, quote_send, quotes_follow_up


def on_site_out_of_warranty(merchant, dispatcher, technician) -> Ticket:
    ticket = file_ticket(merchant, DeviceFactory(merchant=merchant.merchant))  # no warranty on record
    assert not ticket.warranty_covered
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    return Ticket.objects.get(pk=ticket.pk)


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def screen(db):
    return SparePartFactory(name="Touch screen assembly", sku="SCR-1", unit_cost=Decimal("420.00"), stock=5)


@pytest.fixture
def out_of_warranty(merchant, dispatcher, technician, sla_policy):
    return on_site_out_of_warranty(merchant, dispatcher, technician)


# --- lines and prices ----------------------------------------------------------------------------------


def test_it_prices_lines_at_the_list_prices_and_keeps_the_totals_and_tax_terms(out_of_warranty, technician, screen):
    quote = quote_send(
        ticket=out_of_warranty,
        by=technician.user,
        lines=[LineIn(spare_part=screen, quantity=Decimal("2")), LineIn(spare_part=None, quantity=Decimal("1"))],
        note="Two screens, one visit.",
    )
    lines = list(quote.lines.order_by("pk"))
    assert [(line.kind, line.label, line.unit, line.quantity, line.unit_price, line.amount) for line in lines] == [
        ("part", "Touch screen assembly", "piece", Decimal("2.00"), Decimal("420.00"), Decimal("840.00")),
        ("labour", "Labour", "visit", Decimal("1.00"), Decimal("80.00"), Decimal("80.00")),
    ]
    assert (quote.parts_amount, quote.labour_amount, quote.total) == (
        Decimal("840.00"), Decimal("80.00"), Decimal("920.00"),
    )  # fmt: skip
    assert quote.prices_include_tax and quote.vat_rate == Decimal("13.00")
    assert quote.tax_note == "VAT included (13%)"
    assert not any(line.price_overridden for line in lines)


def test_labour_by_the_hour_takes_halves_and_tax_may_be_excluded(out_of_warranty, technician, settings):
    settings.LABOUR_RATE_CNY, settings.LABOUR_RATE_UNIT = Decimal("60.00"), "hour"
    settings.PRICES_INCLUDE_TAX, settings.VAT_RATE_PERCENT = False, Decimal("6.00")
    quote = quote_send(ticket=out_of_warranty, by=technician.user, lines=[LineIn(spare_part=None, quantity="1.5")])
    line = quote.lines.get()
    assert (line.unit, line.quantity, line.amount, quote.labour_amount) == (
        "hour", Decimal("1.50"), Decimal("90.00"), Decimal("90.00"),
    )  # fmt: skip
    assert quote.tax_note == "VAT not included (6%)"


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        ([], "lines", "Add at least one part or labour line."),
        ([LineIn(spare_part=None, quantity=Decimal("0"))], "quantity", "Quantities are from 0.01 to 99."),
        ([LineIn(spare_part=None, quantity=Decimal("1.5"))], "quantity", "Parts and visits are counted in whole"),
        ([LineIn(spare_part=None, quantity="lots")], "quantity", "Enter a number."),
        ([LineIn(spare_part=None, quantity=Decimal("100"))], "quantity", "Quantities are from 0.01 to 99."),
    ],
)
def test_bad_lines_are_refused_by_name(out_of_warranty, technician, lines, field, message):
    with pytest.raises(InvalidInput) as refused:
        quote_send(ticket=out_of_warranty, by=technician.user, lines=lines)
    assert refused.value.field == field and str(refused.value.message).startswith(message)
    assert fresh(out_of_warranty).status == Status.ON_SITE  # nothing paused, nothing written
    assert not Quote.objects.exists()


def test_only_a_manager_changes_a_unit_price(out_of_warranty, merchant, technician, dispatcher, manager, screen):
    discounted = [LineIn(spare_part=screen, quantity=Decimal("1"), unit_price=Decimal("380.00"))]
    for someone in (technician.user, dispatcher):
        with pytest.raises(ActionNotAllowed, match="Only a manager may change a price"):
            quote_send(ticket=out_of_warranty, by=someone, lines=discounted)
    # The list price, typed out, is no change.
    at_list = quote_send(
        ticket=out_of_warranty,
        by=technician.user,
        lines=[LineIn(spare_part=screen, quantity=Decimal("1"), unit_price=Decimal("420.00"))],
    )
    assert at_list.total == Decimal("420.00") and not at_list.lines.get().price_overridden
    quote_decide(quote=at_list, by=merchant, approve=True)
    revised = quote_send(ticket=fresh(out_of_warranty), by=manager, lines=discounted)
    line = revised.lines.get()
    assert (line.unit_price, line.list_price, line.price_overridden, revised.total) == (
        Decimal("380.00"), Decimal("420.00"), True, Decimal("380.00"),
    )  # fmt: skip


def test_an_in_warranty_ticket_is_never_quoted(ticket, dispatcher, technician):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    with pytest.raises(TransitionNotAllowed, match="covered by warranty"):
        send_quote(fresh(ticket), technician.user)


# --- the charge is the approved quote ------------------------------------------------------------------


def test_the_charge_is_the_approved_quote(out_of_warranty, merchant, technician, screen):
    quote = send_quote(out_of_warranty, technician.user, parts=[(screen, 1)])
    quote_decide(quote=quote, by=merchant, approve=True)
    report = services.ticket_resolve(
        ticket=fresh(out_of_warranty),
        by=technician.user,
        outcome="replaced",
        work_done="New screen.",
        parts=[(screen, 1)],
        warehouse=WarehouseFactory(),
    )
    assert report.charged
    assert (report.parts_charge, report.labour_charge, report.total_charge) == (
        quote.parts_amount, quote.labour_amount, Decimal("500.00"),
    )  # fmt: skip
    assert stock_of(screen) == 4


def test_a_swap_on_a_quoted_repair_is_charged_the_approved_quote_and_takes_no_part_on_site(
    out_of_warranty, merchant, technician, screen
):
    """The merchant approved a price for a working terminal; the quoted screen is fitted to the
    faulty terminal at the depot, so a swap on site charges the quote and takes nothing from stock."""
    device_in_stock(serial_number="SWAP-IN-1", model=out_of_warranty.device.model)
    quote = send_quote(out_of_warranty, technician.user, parts=[(screen, 1)])
    quote_decide(quote=quote, by=merchant, approve=True)
    report = services.ticket_resolve(
        ticket=fresh(out_of_warranty),
        by=technician.user,
        outcome="swapped",
        work_done="Swapped the terminal.",
        replacement_serial="SWAP-IN-1",
    )
    assert (report.charged, report.total_charge, report.replacement_serial) == (True, Decimal("500.00"), "SWAP-IN-1")
    assert stock_of(screen) == 5


def test_an_out_of_warranty_repair_without_an_approved_quote_is_refused(out_of_warranty, technician, screen):
    with pytest.raises(TransitionNotAllowed) as refused:
        services.ticket_resolve(ticket=out_of_warranty, by=technician.user, outcome="repaired", work_done="Fixed.")
    assert refused.value.code == "quote_not_approved"
    send_quote(out_of_warranty, technician.user, parts=[(screen, 1)])  # pending: waiting on the merchant
    with pytest.raises(TransitionNotAllowed):
        services.ticket_resolve(ticket=fresh(out_of_warranty), by=technician.user, outcome="repaired", work_done="x")
    assert fresh(out_of_warranty).status == Status.WAITING_MERCHANT


def test_advice_without_parts_is_free_without_a_quote(out_of_warranty, technician, screen):
    with pytest.raises(TransitionNotAllowed):
        services.ticket_resolve(
            ticket=out_of_warranty,
            by=technician.user,
            outcome="advice",
            work_done="x",
            parts=[(screen, 1)],
            warehouse=WarehouseFactory(),
        )
    report = services.ticket_resolve(
        ticket=fresh(out_of_warranty), by=technician.user, outcome="advice", work_done="Cleaned the contacts."
    )
    assert (report.charged, report.total_charge) == (False, 0)


def test_in_warranty_work_is_never_charged(ticket, dispatcher, technician, screen):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    check_in(ticket, technician)
    report = services.ticket_resolve(
        ticket=fresh(ticket),
        by=technician.user,
        outcome="replaced",
        work_done="New screen.",
        parts=[(screen, 1)],
        warehouse=WarehouseFactory(),
    )
    assert (report.charged, report.parts_charge, report.labour_charge, report.total_charge) == (False, 0, 0, 0)


def test_parts_beyond_the_approved_quote_need_a_revised_quote(out_of_warranty, merchant, technician, screen):
    printer = SparePartFactory(name="Printer module", unit_cost=Decimal("160.00"))
    quote_decide(quote=send_quote(out_of_warranty, technician.user, parts=[(screen, 1)]), by=merchant, approve=True)
    for parts in ([(screen, 2)], [(screen, 1), (printer, 1)]):
        with pytest.raises(TransitionNotAllowed) as refused:
            services.ticket_resolve(
                ticket=fresh(out_of_warranty),
                by=technician.user,
                outcome="replaced",
                work_done="x",
                parts=parts,
                warehouse=WarehouseFactory(),
            )
        assert refused.value.code == "quote_differs"
    assert fresh(out_of_warranty).status == Status.ON_SITE


def test_a_revised_quote_supersedes_the_approved_one_and_is_approved_again(
    out_of_warranty, merchant, technician, screen
):
    printer = SparePartFactory(name="Printer module", unit_cost=Decimal("160.00"))
    first = send_quote(out_of_warranty, technician.user, parts=[(screen, 1)])
    quote_decide(quote=first, by=merchant, approve=True)
    revised = send_quote(fresh(out_of_warranty), technician.user, parts=[(screen, 1), (printer, 1)], visits=2)
    first.refresh_from_db()
    assert (first.status, revised.status, revised.total) == ("superseded", "pending", Decimal("740.00"))
    assert fresh(out_of_warranty).status == Status.WAITING_MERCHANT  # the merchant approves again
    sent = out_of_warranty.events.filter(kind=TicketEvent.Kind.QUOTE_SENT).last()
    assert sent.data["supersedes"] == [first.pk]
    assert merchant.notifications.filter(subject__startswith="Revised quote for").exists()
    quote_decide(quote=revised, by=merchant, approve=True)
    report = services.ticket_resolve(
        ticket=fresh(out_of_warranty),
        by=technician.user,
        outcome="replaced",
        work_done="Screen and printer.",
        parts=[(screen, 1), (printer, 1)],
        warehouse=WarehouseFactory(),
    )
    assert report.total_charge == Decimal("740.00")
    assert Quote.objects.filter(ticket=out_of_warranty, status=Quote.Status.APPROVED).get() == revised


# --- declined and lapsed --------------------------------------------------------------------------------


def test_a_declined_quote_returns_the_terminal_unrepaired_and_stops_the_clocks(
    out_of_warranty, merchant, dispatcher, technician, screen
):
    quote = send_quote(out_of_warranty, technician.user, parts=[(screen, 1)])
    quote_decide(quote=quote, by=merchant, approve=False)
    ticket = fresh(out_of_warranty)
    assert ticket.status == Status.RETURNED_UNREPAIRED and not ticket.is_open
    assert ticket.returned_at is not None and ticket.paused_at is None and ticket.resolved_at is None
    assert not SLACheck.objects.filter(ticket=ticket).exists()
    assert ticket.active_assignment is None  # the technician is released
    assert merchant.notifications.filter(subject__endswith="returned unrepaired").exists()
    assert technician.user.notifications.filter(subject__endswith="quote declined").exists()
    # Long after, nothing was missed: the clocks stopped when the quote was declined.
    later = timezone.now() + datetime.timedelta(days=30)
    assert not ticket_is_breached(ticket, later)
    milestones = ticket_sla_status(ticket=ticket, now=later).milestones
    assert {m.milestone: m.state for m in milestones} == {"respond": "met", "onsite": "met", "resolve": "none"}
    assert [m.detail for m in milestones if m.milestone == "resolve"] == ["Stopped: quote declined"]
    with pytest.raises(TransitionNotAllowed):
        services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="advice", work_done="x")
    # The merchant may still ask a question.
    services.ticket_comment_add(ticket=ticket, by=merchant, body="Can I collect it tomorrow?")


def test_a_quote_is_reminded_once_then_lapses_as_declined(out_of_warranty, merchant, technician, dispatcher, settings):
    settings.QUOTE_REMIND_AFTER_DAYS, settings.QUOTE_LAPSE_AFTER_DAYS = 2, 5
    quote = send_quote(out_of_warranty, technician.user)
    sent = quote.created_at

    assert quotes_follow_up(now=sent + datetime.timedelta(days=1, hours=23)) == (0, 0)
    assert quotes_follow_up(now=sent + datetime.timedelta(days=2)) == (1, 0)
    assert quotes_follow_up(now=sent + datetime.timedelta(days=3)) == (0, 0)  # once
    reminders = merchant.notifications.filter(subject__startswith="Reminder: the quote for")
    assert reminders.count() == 1
    assert out_of_warranty.events.filter(kind=TicketEvent.Kind.QUOTE_REMINDED).count() == 1
    assert fresh(out_of_warranty).status == Status.WAITING_MERCHANT

    with time_machine.travel(sent + datetime.timedelta(days=5, minutes=1), tick=False):
        assert quotes_follow_up() == (0, 1)
        assert quotes_follow_up() == (0, 0)  # a second beat does nothing
    quote.refresh_from_db()
    assert (quote.status, quote.lapsed) == ("declined", True)
    ticket = fresh(out_of_warranty)
    assert ticket.status == Status.RETURNED_UNREPAIRED
    declined = ticket.events.get(kind=TicketEvent.Kind.QUOTE_DECLINED)
    assert declined.actor is None and declined.data["lapsed"] is True
    assert dispatcher.notifications.filter(subject__endswith="the quote lapsed").exists()
    with pytest.raises(StateConflict):
        quote_decide(quote=quote, by=merchant, approve=True)


def test_an_answered_quote_is_neither_reminded_nor_lapsed(out_of_warranty, merchant, technician):
    quote = send_quote(out_of_warranty, technician.user)
    quote_decide(quote=quote, by=merchant, approve=True)
    assert quotes_follow_up(now=quote.created_at + datetime.timedelta(days=30)) == (0, 0)
    assert fresh(out_of_warranty).status == Status.ON_SITE


# --- who may decide ---------------------------------------------------------------------------------


def test_only_the_merchants_side_decides_its_quote(out_of_warranty, other_merchant, other_partner, partner, technician):
    quote = send_quote(out_of_warranty, technician.user)
    for outsider in (other_merchant, other_partner, technician.user):
        with pytest.raises(ActionNotAllowed):
            quote_decide(quote=quote, by=outsider, approve=True)
    quote_decide(quote=quote, by=partner, approve=True)  # the partner that brought the merchant
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.APPROVED


def test_another_merchant_cannot_reach_the_quote_page(client, out_of_warranty, other_merchant, technician):
    quote = send_quote(out_of_warranty, technician.user)
    client.force_login(other_merchant)
    url = reverse("tickets:quote_decide", args=[out_of_warranty.number, quote.pk])
    assert client.post(url, {"decision": "decline"}).status_code == 404
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.PENDING


def test_a_quote_of_another_ticket_is_not_found(client, out_of_warranty, merchant, dispatcher, technician):
    other = on_site_out_of_warranty(merchant, dispatcher, technician)
    quote = send_quote(other, technician.user)
    client.force_login(merchant)
    url = reverse("tickets:quote_decide", args=[out_of_warranty.number, quote.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert QuoteLine.objects.filter(quote__status="pending").count() == 1


def test_a_lapse_loses_the_race_to_the_merchants_answer(out_of_warranty, merchant, technician):
    quote = send_quote(out_of_warranty, technician.user)
    seen_pending = Quote.objects.get(pk=quote.pk)  # what the beat read
    quote_decide(quote=quote, by=merchant, approve=True)
    with pytest.raises(StateConflict):
        quote_lapse(quote=seen_pending, now=timezone.now() + datetime.timedelta(days=30))
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.APPROVED
    assert fresh(out_of_warranty).status == Status.ON_SITE


@pytest.mark.parametrize("revisions", [1, 3])
def test_the_ticket_page_costs_the_same_however_many_quotes(
    client, out_of_warranty, merchant, technician, screen, django_assert_num_queries, revisions
):
    for _ in range(revisions):
        quote_decide(
            quote=send_quote(fresh(out_of_warranty), technician.user, parts=[(screen, 1)]), by=merchant, approve=True
        )
    client.force_login(merchant)
    url = reverse("tickets:detail", args=[out_of_warranty.number])
    client.get(url)  # warm the calendar cache
    with django_assert_num_queries(QUERIES_WITH_QUOTES):
        page = client.get(url).content.decode()
    assert page.count('data-testid="approved-quote"') == 1 and "¥500.00" in page


# The merchant's ticket page (tests/tickets/test_pages_queries.py: no comments here, so no photos of
# comments to load; its loaners) with one query for every quote's lines.
QUERIES_WITH_QUOTES = 11


def test_the_admin_shows_a_quote_with_its_lines_read_only(client, out_of_warranty, technician, screen):
    from tests.factories import UserFactory

    quote = send_quote(out_of_warranty, technician.user, parts=[(screen, 1)])
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:tickets_quote_change", args=[quote.pk])).content.decode()
    assert "Touch screen assembly" in page and "420.00" in page
    assert client.post(reverse("admin:tickets_quote_change", args=[quote.pk]), {}).status_code == 403

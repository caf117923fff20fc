"""The status machine: every legal step through its service, every illegal one refused."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from possystem.errors import ActionNotAllowed, OutOfStock, StateConflict, TransitionNotAllowed
from tests.factories import SparePartFactory, WarehouseFactory, file_ticket, stock_of
from tests.helpers import at, check_in
from tests.helpers import quote as send_quote
from tickets import services
from tickets.models import Status, Ticket, TicketEvent
from tickets.permissions import TRANSITIONS, can_transition
from tickets.quotes import quote_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(merchant, sla_policy):
    return file_ticket(merchant)


def dispatched(ticket, dispatcher, technician):
    services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    return ticket


def on_site(ticket, dispatcher, technician):
    dispatched(ticket, dispatcher, technician)
    check_in(ticket, technician)
    return ticket


def resolved(ticket, dispatcher, technician):
    on_site(ticket, dispatcher, technician)
    services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="Replaced the printer.")
    return ticket


def test_the_table_names_every_status_and_ends_in_closed_or_cancelled():
    assert set(TRANSITIONS) == set(Status.values)
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert TRANSITIONS[Status.CANCELLED] == frozenset()
    assert can_transition(Status.ACKNOWLEDGED, Status.RESOLVED)  # a remote fix
    assert not can_transition(Status.NEW, Status.RESOLVED)
    assert not can_transition(Status.RESOLVED, Status.NEW)


def test_acknowledging_meets_the_response_milestone(ticket, dispatcher):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.responded_at is not None
    event = ticket.events.last()
    assert (event.from_status, event.to_status, event.actor) == (Status.NEW, Status.ACKNOWLEDGED, dispatcher)


def test_only_staff_acknowledge(ticket, merchant, technician):
    for outsider in (merchant, technician.user):
        with pytest.raises(ActionNotAllowed):
            services.ticket_acknowledge(ticket=ticket, by=outsider)


def test_assigning_a_new_ticket_acknowledges_it_on_the_way(ticket, dispatcher, technician):
    scheduled = timezone.now() + datetime.timedelta(hours=5)
    assignment = services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher, scheduled_at=scheduled)
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.responded_at is not None
    assert assignment.scheduled_at == scheduled
    kinds = list(ticket.events.values_list("kind", "to_status"))
    assert kinds[1:] == [
        (TicketEvent.Kind.STATUS_CHANGED, Status.ACKNOWLEDGED),
        (TicketEvent.Kind.STATUS_CHANGED, Status.DISPATCHED),
        (TicketEvent.Kind.ASSIGNED, ""),
    ]


def test_reassigning_releases_the_first_technician(ticket, dispatcher, technician):
    from tests.factories import TechnicianFactory

    first = services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    second_technician = TechnicianFactory()
    second = services.ticket_assign(ticket=ticket, technician=second_technician, by=dispatcher)
    first.refresh_from_db()
    assert first.released_at is not None
    assert second.is_active
    assert ticket.assignments.filter(released_at__isnull=True).get() == second


def test_the_technician_accepts_checks_in_and_resolves(ticket, dispatcher, technician):
    assignment = services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
    services.assignment_accept(assignment=assignment, by=technician.user)
    services.ticket_check_in(ticket=ticket, by=technician.user, code=ticket.confirmation_code)
    ticket.refresh_from_db()
    assert ticket.status == Status.ON_SITE and ticket.onsite_at is not None
    report = services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="New printer.")
    ticket.refresh_from_db()
    assignment.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
    assert ticket.restored_at == ticket.resolved_at  # repaired on site: service is back with the repair
    assert ticket.downtime == ticket.resolved_at - ticket.created_at
    assert assignment.accepted_at and assignment.arrived_at and assignment.completed_at
    assert report.technician == technician
    assert not report.charged  # in warranty


def test_another_technician_cannot_check_in(ticket, dispatcher, technician):
    from tests.factories import TechnicianFactory

    dispatched(ticket, dispatcher, technician)
    with pytest.raises(ActionNotAllowed):
        services.ticket_check_in(ticket=ticket, by=TechnicianFactory().user, code=ticket.confirmation_code)


def test_a_remote_fix_resolves_without_a_visit(ticket, dispatcher):
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    report = services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reset the app.")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.onsite_at is None
    assert report.technician is None


@pytest.mark.parametrize(
    ("step", "prepare"),
    [
        ("record_visit", None),  # new → on_site
        ("resolve", None),  # new → resolved
        ("close", None),  # new → closed
        ("record_visit", "resolved"),
        ("acknowledge", "dispatched"),
        ("acknowledge", "resolved"),
        ("resolve", "dispatched"),  # a visit must check in first
        ("cancel", "resolved"),
        ("close", "on_site"),
    ],
)
def test_illegal_steps_are_refused_with_a_clear_message(ticket, dispatcher, technician, step, prepare):
    if prepare:
        {"dispatched": dispatched, "resolved": resolved, "on_site": on_site}[prepare](ticket, dispatcher, technician)
    before = Ticket.objects.get(pk=ticket.pk).status
    events = ticket.events.count()
    action = {
        "record_visit": lambda: services.ticket_visit_record(ticket=ticket, by=dispatcher, reason="By phone."),
        "resolve": lambda: services.ticket_resolve(ticket=ticket, by=dispatcher, outcome="repaired", work_done="x"),
        "close": lambda: services.ticket_close(ticket=ticket, by=dispatcher),
        "acknowledge": lambda: services.ticket_acknowledge(ticket=ticket, by=dispatcher),
        "cancel": lambda: services.ticket_cancel(ticket=ticket, by=dispatcher),
    }[step]
    with pytest.raises(TransitionNotAllowed) as error:
        action()
    assert "cannot become" in str(error.value.message)
    assert Ticket.objects.get(pk=ticket.pk).status == before
    assert ticket.events.count() == events


def test_a_stale_ticket_loses_the_race(ticket, dispatcher):
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_acknowledge(ticket=ticket, by=dispatcher)
    with pytest.raises(StateConflict):
        services.ticket_cancel(ticket=stale, by=dispatcher)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ACKNOWLEDGED


def test_the_merchant_cancels_until_a_technician_is_dispatched(merchant, dispatcher, technician, sla_policy):
    early = file_ticket(merchant)
    services.ticket_cancel(ticket=early, by=merchant, reason="Fixed it myself.")
    early.refresh_from_db()
    assert early.status == Status.CANCELLED and early.cancelled_at is not None
    late = dispatched(file_ticket(merchant), dispatcher, technician)
    with pytest.raises(TransitionNotAllowed):
        services.ticket_cancel(ticket=late, by=merchant)
    services.ticket_cancel(ticket=late, by=dispatcher, reason="Merchant called to cancel.")
    assert late.assignments.get().released_at is not None


def test_another_merchant_cannot_touch_the_ticket(ticket, other_merchant):
    with pytest.raises(ActionNotAllowed):
        services.ticket_cancel(ticket=ticket, by=other_merchant)
    with pytest.raises(ActionNotAllowed):
        services.ticket_comment_add(ticket=ticket, by=other_merchant, body="hello")


def test_a_pause_stops_the_clocks_and_moves_the_deadlines(file_at, dispatcher):
    ticket = file_at(at(2026, 11, 26, 18))  # a Thursday evening; Friday is a working day
    respond_by, resolve_by = ticket.respond_by, ticket.resolve_by
    with time_machine.travel(at(2026, 11, 26, 18, 30), tick=False):
        services.ticket_pause(ticket=ticket, by=dispatcher, reason="Which terminal? Two are registered.")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_MERCHANT
    assert ticket.paused_from_status == Status.NEW
    with time_machine.travel(at(2026, 11, 26, 21, 30), tick=False):
        services.ticket_resume(ticket=ticket, by=dispatcher)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.paused_at is None
    assert ticket.respond_by == respond_by + datetime.timedelta(hours=3)
    assert ticket.resolve_by == resolve_by + datetime.timedelta(hours=3)
    resumed = ticket.events.get(kind=TicketEvent.Kind.RESUMED)
    assert resumed.data["paused_seconds"] == 3 * 3600


def test_a_quote_waits_on_the_merchant_who_approves_it(merchant, dispatcher, technician, sla_policy):
    from tests.factories import DeviceFactory

    expired = DeviceFactory(merchant=merchant.merchant)  # no warranty on record
    ticket = on_site(file_ticket(merchant, expired), dispatcher, technician)
    quote = send_quote(ticket, technician.user, parts=[(SparePartFactory(unit_cost=Decimal("420.00")), 1)])
    assert quote.total == Decimal("500.00")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_MERCHANT
    quote_decide(quote=quote, by=merchant, approve=True)
    ticket.refresh_from_db()
    quote.refresh_from_db()
    assert (ticket.status, quote.status) == (Status.ON_SITE, "approved")
    with pytest.raises(StateConflict):
        quote_decide(quote=quote, by=merchant, approve=False)


def test_an_in_warranty_repair_cannot_be_quoted(ticket, dispatcher, technician):
    on_site(ticket, dispatcher, technician)
    with pytest.raises(TransitionNotAllowed):
        send_quote(ticket, technician.user)


def test_parts_come_out_of_stock_and_are_charged_out_of_warranty(merchant, dispatcher, technician, sla_policy):
    from tests.factories import DeviceFactory

    part = SparePartFactory(stock=2, unit_cost=Decimal("160.00"))
    ticket = on_site(file_ticket(merchant, DeviceFactory(merchant=merchant.merchant)), dispatcher, technician)
    quote_decide(quote=send_quote(ticket, technician.user, parts=[(part, 2)]), by=merchant, approve=True)
    report = services.ticket_resolve(
        ticket=ticket,
        by=technician.user,
        outcome="replaced",
        work_done="Printer module replaced.",
        parts=[(part, 1), (part, 1)],
        warehouse=WarehouseFactory(),
    )
    assert stock_of(part) == 0
    assert report.charged
    assert (report.parts_charge, report.labour_charge, report.total_charge) == (
        Decimal("320.00"), Decimal("80.00"), Decimal("400.00"),
    )  # fmt: skip


def test_running_out_of_stock_resolves_nothing(ticket, dispatcher, technician):
    part = SparePartFactory(stock=1)
    on_site(ticket, dispatcher, technician)
    with pytest.raises(OutOfStock):
        services.ticket_resolve(
            ticket=ticket,
            by=technician.user,
            outcome="replaced",
            work_done="x",
            parts=[(part, 2)],
            warehouse=WarehouseFactory(),
        )
    ticket.refresh_from_db()
    assert stock_of(part) == 1
    assert ticket.status == Status.ON_SITE
    assert not hasattr(ticket, "report") or ticket.report is None


def test_internal_notes_stay_internal(ticket, dispatcher, merchant):
    from tickets.selectors import ticket_timeline

    services.ticket_comment_add(ticket=ticket, by=dispatcher, body="Merchant sounded upset.", internal=True)
    services.ticket_comment_add(ticket=ticket, by=dispatcher, body="We will call you today.")
    merchant_sees = [e.comment.body for e in ticket_timeline(actor=merchant, ticket=ticket) if e.comment]
    staff_sees = [e.comment.body for e in ticket_timeline(actor=dispatcher, ticket=ticket) if e.comment]
    assert merchant_sees == ["We will call you today."]
    assert staff_sees == ["Merchant sounded upset.", "We will call you today."]
    with pytest.raises(ActionNotAllowed):
        services.ticket_comment_add(ticket=ticket, by=merchant, body="psst", internal=True)


def test_feedback_is_given_once_and_closes_the_ticket(ticket, merchant, dispatcher, technician):
    resolved(ticket, dispatcher, technician)
    feedback = services.ticket_feedback_give(ticket=ticket, by=merchant, rating=5, comment="Fast and friendly.")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert feedback.rating == 5
    with pytest.raises(StateConflict) as error:
        services.ticket_feedback_give(ticket=ticket, by=merchant, rating=1)
    assert error.value.code == "already_rated"


def test_feedback_waits_for_the_resolution(ticket, merchant):
    with pytest.raises(TransitionNotAllowed):
        services.ticket_feedback_give(ticket=ticket, by=merchant, rating=4)


def test_unrated_resolved_tickets_close_after_the_configured_days(ticket, dispatcher, technician, settings):
    settings.TICKET_AUTO_CLOSE_DAYS = 3
    resolved(ticket, dispatcher, technician)
    assert services.tickets_close_resolved(now=timezone.now() + datetime.timedelta(days=2)) == 0
    assert services.tickets_close_resolved(now=timezone.now() + datetime.timedelta(days=3, minutes=1)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.last().actor is None


def test_a_closed_ticket_takes_no_more_replies(ticket, merchant, dispatcher, technician):
    resolved(ticket, dispatcher, technician)
    services.ticket_close(ticket=ticket, by=dispatcher)
    with pytest.raises(TransitionNotAllowed):
        services.ticket_comment_add(ticket=ticket, by=merchant, body="One more thing")


def test_details_are_updated_with_a_timeline_entry(ticket, merchant):
    services.ticket_update(ticket=ticket, by=merchant, contact_phone="139 1234 5678", description="Now it beeps too.")
    ticket.refresh_from_db()
    assert ticket.contact_phone == "13912345678"
    assert ticket.events.last().data == {"fields": ["contact_phone", "description"]}


def test_the_merchants_answer_resumes_a_ticket_waiting_for_information(ticket, merchant, dispatcher):
    services.ticket_pause(ticket=ticket, by=dispatcher, reason="Which terminal? Two are registered.")
    services.ticket_comment_add(ticket=ticket, by=dispatcher, body="Still there?")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_MERCHANT  # staff writing does not end the wait
    services.ticket_comment_add(ticket=ticket, by=merchant, body="The one at the front desk, S/N ending 0001.")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.events.filter(kind=TicketEvent.Kind.RESUMED).count() == 1


def test_a_reply_does_not_answer_a_pending_quote(merchant, dispatcher, technician, sla_policy):
    from tests.factories import DeviceFactory

    ticket = on_site(file_ticket(merchant, DeviceFactory(merchant=merchant.merchant)), dispatcher, technician)
    send_quote(ticket, technician.user)
    services.ticket_comment_add(ticket=ticket, by=merchant, body="Can you do it for less?")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_MERCHANT

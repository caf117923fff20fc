"""The facts the manager's dashboard counts are stored by the writes that decide them (tickets.facts):
came back within 30 days, fixed the first time, fixed by. The dashboard's known answers
(tests/dashboard/test_figures.py) count them; here the services write them, and the bulk fill agrees."""

import pytest
import time_machine

from tests.helpers import at, check_in
from tickets import services
from tickets.facts import ticket_facts_fill, ticket_minutes_fill
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

FACTS = ("came_back", "fixed_first_time", "fixed_by_id", "respond_minutes", "onsite_minutes", "resolve_minutes")


def facts(ticket):
    return Ticket.objects.values_list(*FACTS).get(pk=ticket.pk)


@pytest.fixture
def repaired(file_at, device, dispatcher, technician):
    """A repair of `device` filed on 1 October at 9:00 and fixed on site at 10:00 by `technician`."""
    ticket = file_at(at(2026, 10, 1, 9), device=device)
    with time_machine.travel(at(2026, 10, 1, 10), tick=False):
        services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        check_in(ticket, technician)
        services.ticket_resolve(ticket=ticket, by=technician.user, outcome="repaired", work_done="Roller.")
    return ticket


def test_a_resolution_stores_the_first_time_fix_and_who_fixed_it(repaired, technician):
    assert facts(repaired)[:3] == (False, True, technician.pk)


def test_each_milestone_met_stores_its_minutes_on_its_clock(repaired):
    """Filed at 9:00, answered, visited and fixed at 10:00 on 1 October, on a policy around the clock:
    an hour to respond and to arrive (every hour counts), no time to resolve (the repair clock counts
    working days, and National Day is a holiday). Stored by the transitions themselves."""
    minutes = Ticket.objects.values_list("respond_minutes", "onsite_minutes", "resolve_minutes").get(pk=repaired.pk)
    assert minutes == (60, 60, 0)


def test_a_reopened_repair_forgets_its_time_to_resolve(repaired, merchant):
    with time_machine.travel(at(2026, 10, 2, 9), tick=False):
        services.ticket_reopen(ticket=repaired, by=merchant, reason="It jams again.")
    assert Ticket.objects.values_list("respond_minutes", "resolve_minutes").get(pk=repaired.pk) == (60, None)
    assert facts(repaired)[4] == 60  # the visit still counts


def test_a_repair_filed_on_day_30_marks_the_earlier_one_and_its_cancellation_unmarks_it(
    repaired, file_at, device, merchant
):
    again = file_at(at(2026, 10, 31, 10), device=device)  # 30 days to the minute after the fix
    assert facts(repaired)[0] is True
    assert facts(again)[0] is False

    services.ticket_cancel(ticket=again, by=merchant, reason="It works after all.")
    assert facts(repaired)[0] is False


def test_a_repair_filed_on_day_31_is_not_a_repeat(repaired, file_at, device):
    file_at(at(2026, 10, 31, 10, 1), device=device)
    assert facts(repaired)[0] is False


def test_a_repair_filed_before_the_earlier_one_was_resolved_is_not_a_repeat(file_at, device, dispatcher):
    first = file_at(at(2026, 10, 1, 9), device=device)
    file_at(at(2026, 10, 1, 9, 30), device=device)
    with time_machine.travel(at(2026, 10, 1, 10), tick=False):
        services.ticket_acknowledge(ticket=first, by=dispatcher)
        services.ticket_resolve(ticket=first, by=dispatcher, outcome="remote", work_done="Reset.")
    assert facts(first)[:3] == (False, True, None)


def test_reopened_is_not_a_first_time_fix_even_once_resolved_again(repaired, merchant, dispatcher, technician):
    with time_machine.travel(at(2026, 10, 2, 9), tick=False):
        services.ticket_reopen(ticket=repaired, by=merchant, reason="It jams again.")
    assert facts(repaired)[:3] == (False, False, technician.pk)
    with time_machine.travel(at(2026, 10, 2, 10), tick=False):
        services.ticket_resolve(
            ticket=Ticket.objects.get(pk=repaired.pk), by=dispatcher, outcome="remote", work_done="Reset."
        )
    assert facts(repaired)[:3] == (False, False, None)  # the latest report: a remote fix, no technician


def test_a_reopened_repair_no_longer_counts_as_come_back_until_resolved_again(repaired, file_at, device, merchant):
    with time_machine.travel(at(2026, 10, 2, 9), tick=False):
        services.ticket_reopen(ticket=repaired, by=merchant, reason="It jams again.")
    file_at(at(2026, 10, 3, 9), device=device)
    assert facts(repaired)[0] is False  # not resolved: nothing to come back after


def test_the_bulk_fill_writes_what_the_services_wrote(repaired, file_at, device):
    file_at(at(2026, 10, 20, 10), device=device)
    written = {ticket.pk: facts(ticket) for ticket in Ticket.objects.all()}
    Ticket.objects.update(
        came_back=False, fixed_first_time=False, fixed_by=None, respond_minutes=None, resolve_minutes=None
    )

    ticket_facts_fill()
    ticket_minutes_fill()

    assert {ticket.pk: facts(ticket) for ticket in Ticket.objects.all()} == written
    assert written[repaired.pk][:2] == (True, True)

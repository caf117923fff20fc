"""One meaning of "breached": the API's filter, the API's flag and the ticket page's state agree."""

import datetime

import pytest
import time_machine

from sla.selectors import State, breached_q, ticket_is_breached, ticket_sla_status
from tests.factories import DeviceFactory
from tests.helpers import at, check_in
from tests.helpers import quote as send_quote
from tickets import services
from tickets.models import Quote, Ticket
from tickets.quotes import quote_decide

pytestmark = pytest.mark.django_db

FILED = at(2026, 11, 24, 10)  # a Tuesday: respond by Wed 10:00, on site by Thu 10:00
HOUR = datetime.timedelta(hours=1)
NOW = FILED + 60 * HOUR


def step(moment, action, **kwargs):
    with time_machine.travel(moment, tick=False):
        return action(**kwargs)


def returned_unrepaired(file_at, merchant, dispatcher, technician, *, filed, quoted_after):
    """Out of warranty, on site within hours, quoted `quoted_after` filing, declined just before NOW."""
    ticket = file_at(filed, device=DeviceFactory(merchant=merchant.merchant))
    step(filed + HOUR, services.ticket_assign, ticket=ticket, technician=technician, by=dispatcher)
    step(filed + 2 * HOUR, check_in, ticket=Ticket.objects.get(pk=ticket.pk), technician=technician)
    step(filed + quoted_after, send_quote, ticket=Ticket.objects.get(pk=ticket.pk), by=technician.user)
    quote = Quote.objects.select_related("ticket").get(ticket=ticket)
    step(NOW - HOUR, quote_decide, quote=quote, by=merchant, approve=False)
    return ticket


@pytest.fixture
def tickets(file_at, merchant, dispatcher, technician):
    """name → (ticket, expected breached at NOW)."""
    made = {}

    def new(name, expected, filed=FILED):
        made[name] = (file_at(filed), expected)
        return made[name][0]

    new("new, on track", False, filed=NOW - HOUR)
    new("never acknowledged", True)
    late = new("acknowledged late", True)
    step(FILED + 25 * HOUR, services.ticket_acknowledge, ticket=late, by=dispatcher)
    paused = new("paused in time, deadline passed while paused", False)
    step(FILED + HOUR, services.ticket_acknowledge, ticket=paused, by=dispatcher)
    step(FILED + 2 * HOUR, services.ticket_pause, ticket=paused, by=dispatcher, reason="Which terminal?")
    paused_late = new("paused after missing the response", True)
    step(FILED + 25 * HOUR, services.ticket_pause, ticket=paused_late, by=dispatcher, reason="Which terminal?")
    remote = new("fixed remotely after the on-site deadline", True)
    step(FILED + HOUR, services.ticket_acknowledge, ticket=remote, by=dispatcher)
    step(FILED + 49 * HOUR, services.ticket_resolve, ticket=remote, by=dispatcher, outcome="remote", work_done="Reset")
    quick = new("fixed remotely in time", False)
    step(FILED + HOUR, services.ticket_acknowledge, ticket=quick, by=dispatcher)
    step(FILED + 2 * HOUR, services.ticket_resolve, ticket=quick, by=dispatcher, outcome="remote", work_done="Reset")
    cancelled = new("cancelled after missing the response", True)
    step(FILED + 30 * HOUR, services.ticket_cancel, ticket=cancelled, by=dispatcher)
    early = new("cancelled in time", False)
    step(FILED + HOUR, services.ticket_cancel, ticket=early, by=dispatcher)
    # Declined days after its repair deadline would have passed, but its clocks stood still from the quote.
    made["quote declined, clocks paused in time"] = (
        returned_unrepaired(file_at, merchant, dispatcher, technician, filed=NOW - 200 * HOUR, quoted_after=3 * HOUR),
        False,
    )
    made["quote sent after missing the repair deadline, declined"] = (
        returned_unrepaired(file_at, merchant, dispatcher, technician, filed=NOW - 200 * HOUR, quoted_after=150 * HOUR),
        True,
    )
    return made


def test_every_reading_of_breached_agrees(tickets):
    flagged = set(Ticket.objects.filter(breached_q(NOW)).values_list("pk", flat=True))
    for name, (ticket, expected) in tickets.items():
        ticket = Ticket.objects.select_related("sla_policy").get(pk=ticket.pk)
        page = any(m.state == State.BREACHED for m in ticket_sla_status(ticket=ticket, now=NOW).milestones)
        assert (page, ticket_is_breached(ticket, NOW), ticket.pk in flagged) == (expected,) * 3, name

"""One meaning of "breached": the API's filter, the API's flag and the ticket page's state agree."""

import datetime

import pytest
import time_machine

from sla.selectors import State, breached_q, ticket_is_breached, ticket_sla_status
from tests.helpers import at
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

FILED = at(2026, 11, 24, 10)  # a Tuesday: respond by Wed 10:00, on site by Thu 10:00
HOUR = datetime.timedelta(hours=1)
NOW = FILED + 60 * HOUR


def step(moment, action, **kwargs):
    with time_machine.travel(moment, tick=False):
        return action(**kwargs)


@pytest.fixture
def tickets(file_at, dispatcher):
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
    return made


def test_every_reading_of_breached_agrees(tickets):
    flagged = set(Ticket.objects.filter(breached_q(NOW)).values_list("pk", flat=True))
    for name, (ticket, expected) in tickets.items():
        ticket = Ticket.objects.select_related("sla_policy").get(pk=ticket.pk)
        page = any(m.state == State.BREACHED for m in ticket_sla_status(ticket=ticket, now=NOW).milestones)
        assert (page, ticket_is_breached(ticket, NOW), ticket.pk in flagged) == (expected,) * 3, name

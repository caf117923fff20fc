"""One permission policy: the ticket page shows a button exactly when the service would accept the
action, for every role in every status a ticket passes through."""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from possystem.errors import DomainError
from tests import factories
from tests.helpers import quote
from tickets import loans, services
from tickets.models import Quote, Status, Ticket
from tickets.permissions import Action
from tickets.quotes import quote_decide

pytestmark = pytest.mark.django_db


# A terminal in stock at the Shanghai warehouse (the technician's region) to lend.
LOANER = "LOANER-0001"


class RolledBack(Exception):
    """Leaves the savepoint of a trial so the next one starts from the same ticket."""


# How each action appears on the page: the address its form posts to (the note is a second button
# of the reply form).
BUTTONS = {
    Action.REPLY: r'action="[^"]*/reply/',
    Action.NOTE: r'name="visibility" value="internal"',
    Action.CANCEL: r'action="[^"]*/cancel/',
    Action.ACKNOWLEDGE: r'action="[^"]*/acknowledge/',
    Action.ASSIGN: r'action="[^"]*/assign/',
    Action.ACCEPT: r'action="[^"]*/accept/',
    Action.DECLINE: r'action="[^"]*/decline/',
    Action.ON_MY_WAY: r'action="[^"]*/on-the-way/',
    Action.CHECK_IN: r'action="[^"]*/check-in/',
    Action.RECORD_VISIT: r'action="[^"]*/record-visit/',
    Action.APPROVE_VISIT: r'action="[^"]*/visits/\d+/approve/',
    Action.REJECT_VISIT: r'action="[^"]*/visits/\d+/reject/',
    Action.QUOTE: r'action="[^"]*/quote/[#"]',
    Action.DECIDE_QUOTE: r'action="[^"]*/quotes/\d+/decide/',
    Action.RESOLVE: r'action="[^"]*/resolve/',
    Action.PAUSE: r'action="[^"]*/pause/',
    Action.RESUME: r'action="[^"]*/resume/',
    Action.CLOSE: r'action="[^"]*/close/',
    Action.RATE: r'action="[^"]*/feedback/',
    Action.REOPEN: r'action="[^"]*/reopen/',
    Action.LEND: r'action="[^"]*/lend/',
    Action.RETURN_LOAN: r'action="[^"]*/loan/return/',
}


def attempt(action: Action, ticket: Ticket, by, *, spare_technician) -> bool:
    """Whether the service accepts `action` by `by` now; nothing it writes is kept."""
    calls = {
        Action.REPLY: lambda: services.ticket_comment_add(ticket=ticket, by=by, body="Any news?"),
        Action.NOTE: lambda: services.ticket_comment_add(ticket=ticket, by=by, body="Call first.", internal=True),
        Action.CANCEL: lambda: services.ticket_cancel(ticket=ticket, by=by, reason="Fixed itself."),
        Action.ACKNOWLEDGE: lambda: services.ticket_acknowledge(ticket=ticket, by=by),
        Action.ASSIGN: lambda: services.ticket_assign(ticket=ticket, technician=spare_technician, by=by),
        Action.ACCEPT: lambda: services.assignment_accept(assignment=ticket.active_assignment, by=by),
        Action.DECLINE: lambda: services.assignment_decline(
            assignment=ticket.active_assignment, by=by, reason="Stuck on another job."
        ),
        Action.ON_MY_WAY: lambda: services.assignment_on_the_way(assignment=ticket.active_assignment, by=by),
        Action.CHECK_IN: lambda: services.ticket_check_in(ticket=ticket, by=by, code=ticket.confirmation_code),
        Action.RECORD_VISIT: lambda: services.ticket_visit_record(ticket=ticket, by=by, reason="The merchant called."),
        Action.APPROVE_VISIT: lambda: services.visit_approve(visit=ticket.visits.get(verified=False), by=by),
        Action.REJECT_VISIT: lambda: services.visit_reject(
            visit=ticket.visits.get(verified=False), by=by, reason="No sign of him at the shop."
        ),
        Action.QUOTE: lambda: quote(ticket, by),
        Action.DECIDE_QUOTE: lambda: quote_decide(
            quote=ticket.quotes.get(status=Quote.Status.PENDING), by=by, approve=True
        ),
        Action.RESOLVE: lambda: services.ticket_resolve(
            ticket=ticket, by=by, outcome=_outcome_offered(ticket), work_done="Fixed."
        ),
        Action.PAUSE: lambda: services.ticket_pause(ticket=ticket, by=by, reason="Which shop?"),
        Action.RESUME: lambda: services.ticket_resume(ticket=ticket, by=by),
        Action.CLOSE: lambda: services.ticket_close(ticket=ticket, by=by),
        Action.RATE: lambda: services.ticket_feedback_give(ticket=ticket, by=by, rating=5),
        Action.REOPEN: lambda: services.ticket_reopen(ticket=ticket, by=by, reason="The printer jams again."),
        Action.LEND: lambda: loans.loan_lend(ticket=ticket, serial=LOANER, by=by),
        Action.RETURN_LOAN: lambda: loans.loan_return(ticket=ticket, by=by),
    }
    # The pages reach these only through a ticket that has them; without one there is nothing to act on.
    if action in (Action.ACCEPT, Action.DECLINE, Action.ON_MY_WAY) and ticket.active_assignment is None:
        return False
    if action == Action.DECIDE_QUOTE and not ticket.quotes.filter(status=Quote.Status.PENDING).exists():
        return False
    if action in (Action.APPROVE_VISIT, Action.REJECT_VISIT) and not ticket.visits.filter(verified=False).exists():
        return False
    try:
        with transaction.atomic():
            calls[action]()
            raise RolledBack
    except RolledBack:
        return True
    except DomainError:
        return False


def _outcome_offered(ticket: Ticket) -> str:
    """A repair when it is free or its quote is approved; otherwise the resolve form offers only advice
    (an out-of-warranty repair without an approved quote is refused, tests/tickets/test_quotes.py)."""
    if ticket.warranty_covered or ticket.quotes.filter(status=Quote.Status.APPROVED).exists():
        return "repaired"
    return "advice"


def buttons_on_page(client, user, ticket: Ticket) -> set[Action]:
    client.force_login(user)
    response = client.get(reverse("tickets:detail", args=[ticket.number]))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200
    page = response.content.decode()
    return {action for action, pattern in BUTTONS.items() if re.search(pattern, page)}


@pytest.fixture(autouse=True)
def loaner(db):
    return factories.device_in_stock(serial_number=LOANER)


@pytest.fixture
def people(merchant, other_merchant, partner, other_partner, dispatcher, manager, technician):
    return {
        "merchant": merchant,
        "other merchant": other_merchant,
        "partner": partner,
        "other partner": other_partner,
        "dispatcher": dispatcher,
        "manager": manager,
        "admin": factories.UserFactory(username="admin-wu", role=User.Role.ADMIN),
        "technician on the job": technician.user,
        "another technician": factories.TechnicianFactory(user__username="tech-li").user,
    }


def _reach(status_path: str, *, merchant, dispatcher, technician, covered: bool) -> Ticket:
    """A ticket brought to a state through the real services."""
    device = (
        factories.device_in_warranty(merchant.merchant)
        if covered
        else factories.DeviceFactory(merchant=merchant.merchant)  # no warranty: repairs are quoted
    )
    ticket = factories.file_ticket(merchant, device)
    steps = status_path.split(">")[1:]
    for step in steps:
        ticket = Ticket.objects.get(pk=ticket.pk)
        if step == "acknowledged":
            services.ticket_acknowledge(ticket=ticket, by=dispatcher)
        elif step == "dispatched":
            services.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        elif step == "accepted":
            services.assignment_accept(assignment=ticket.active_assignment, by=technician.user)
        elif step == "on_the_way":
            services.assignment_on_the_way(assignment=ticket.active_assignment, by=technician.user)
        elif step == "on_site":
            services.ticket_check_in(ticket=ticket, by=technician.user, code=ticket.confirmation_code)
        elif step == "recorded":
            services.ticket_visit_record(ticket=ticket, by=dispatcher, reason="The technician's phone died.")
        elif step == "reopened":
            services.ticket_reopen(ticket=ticket, by=merchant, reason="It jams again.")
        elif step == "declined":
            services.assignment_decline(assignment=ticket.active_assignment, by=technician.user, reason="Ill.")
        elif step == "quoted":
            quote(ticket, technician.user)
        elif step == "waiting":
            services.ticket_pause(ticket=ticket, by=dispatcher, reason="Which branch is it?")
        elif step == "resolved":
            fixer = technician.user if ticket.status == Status.ON_SITE else dispatcher  # remote fixes are staff's
            services.ticket_resolve(ticket=ticket, by=fixer, outcome=_outcome_offered(ticket), work_done="New roller.")
        elif step in ("approved", "returned"):
            quote_decide(quote=ticket.quotes.get(status=Quote.Status.PENDING), by=merchant, approve=step == "approved")
        elif step == "rated":
            services.ticket_feedback_give(ticket=ticket, by=merchant, rating=4)
        elif step == "closed":
            services.ticket_close(ticket=ticket, by=dispatcher)
        elif step == "lent":
            loans.loan_lend(ticket=ticket, serial=factories.device_in_stock().serial_number, by=dispatcher)
        elif step == "loan_returned":
            loans.loan_return(ticket=ticket, by=dispatcher)
        elif step == "cancelled":
            services.ticket_cancel(ticket=ticket, by=merchant, reason="Works again.")
        else:
            raise AssertionError(step)
    return Ticket.objects.get(pk=ticket.pk)


PATHS = [
    ("new", False),
    ("new>waiting", False),
    ("new>cancelled", False),
    ("new>acknowledged", False),
    ("new>acknowledged>waiting", False),
    ("new>acknowledged>resolved", False),
    ("new>dispatched", False),
    ("new>dispatched>recorded", True),
    ("new>dispatched>accepted", False),
    ("new>dispatched>accepted>on_the_way", True),
    ("new>dispatched>accepted>quoted", False),
    ("new>dispatched>accepted>on_site", False),
    ("new>dispatched>accepted>on_site", True),
    ("new>dispatched>accepted>recorded", True),
    ("new>dispatched>accepted>on_site>quoted", False),
    ("new>dispatched>accepted>on_site>quoted>approved", False),
    ("new>dispatched>accepted>on_site>quoted>approved>resolved", False),
    ("new>dispatched>accepted>on_site>quoted>returned", False),
    ("new>dispatched>accepted>on_site>waiting", True),
    ("new>dispatched>accepted>on_site>resolved", True),
    ("new>dispatched>accepted>on_site>resolved>reopened", True),
    ("new>dispatched>accepted>on_site>resolved>rated", True),
    ("new>dispatched>accepted>on_site>resolved>closed", True),
    ("new>dispatched>accepted>on_site>lent", True),
    ("new>dispatched>accepted>on_site>lent>resolved", True),
    ("new>dispatched>accepted>on_site>lent>loan_returned", True),
]


@pytest.mark.parametrize(("path", "covered"), PATHS, ids=[f"{p}{' (warranty)' if c else ''}" for p, c in PATHS])
def test_it_shows_a_button_exactly_when_the_service_accepts_the_action(
    client, people, merchant, dispatcher, technician, sla_policy, path, covered
):
    ticket = _reach(path, merchant=merchant, dispatcher=dispatcher, technician=technician, covered=covered)
    spare = factories.TechnicianFactory(user__username="tech-wang")
    mismatches = {}
    for role, user in people.items():
        shown = buttons_on_page(client, user, ticket)
        accepted = {
            action
            for action in BUTTONS
            if attempt(action, Ticket.objects.get(pk=ticket.pk), user, spare_technician=spare)
        }
        if shown != accepted:
            mismatches[role] = {"shown only": sorted(shown - accepted), "accepted only": sorted(accepted - shown)}
    assert mismatches == {}
    assert Ticket.objects.get(pk=ticket.pk).status == ticket.status  # every trial was rolled back


def test_the_walk_covers_every_status(merchant, dispatcher, technician, sla_policy):
    technician.capacity = len(PATHS)  # every path sends the same technician
    technician.save(update_fields=["capacity"])
    reached = {
        _reach(path, merchant=merchant, dispatcher=dispatcher, technician=technician, covered=covered).status
        for path, covered in PATHS
    }
    assert reached == set(Status.values)

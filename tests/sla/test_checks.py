"""The scanner's index of due work (`SLACheck`) follows every ticket transition."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from sla.models import Escalation, Level, SLACheck
from tests import factories
from tests.helpers import at, check_in, scan_at
from tests.helpers import quote as send_quote
from tickets import services as tickets
from tickets.quotes import quote_decide

pytestmark = pytest.mark.django_db


def checks(ticket) -> dict[str, tuple[str, datetime.datetime]]:
    return {c.milestone: (c.level, c.due_at) for c in SLACheck.objects.filter(ticket=ticket)}


def test_filing_schedules_the_warning_of_each_milestone(file_at):
    ticket = file_at(at(2026, 11, 27, 10), fault_category="printer")

    assert checks(ticket) == {
        "respond": ("at_risk", at(2026, 11, 28, 4)),
        "onsite": ("at_risk", at(2026, 11, 28, 22)),
        "resolve": ("at_risk", at(2026, 11, 30, 22)),  # 12 working hours before Tuesday 10:00
    }


def test_a_consultation_has_no_on_site_check(file_at):
    ticket = file_at(at(2026, 11, 27, 10), kind="consultation", fault_category="")

    assert set(checks(ticket)) == {"respond", "resolve"}


def test_a_ticket_without_a_policy_has_no_checks(merchant):
    ticket = factories.file_ticket(merchant)  # no SLA policy exists

    assert ticket.respond_by is None
    assert checks(ticket) == {}


def test_acknowledging_ends_the_response_check(file_at, dispatcher):
    ticket = file_at(at(2026, 11, 27, 10))
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)

    assert set(checks(ticket)) == {"onsite", "resolve"}


def test_checking_in_ends_the_on_site_check(file_at, dispatcher, technician):
    ticket = file_at(at(2026, 11, 27, 10))
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        tickets.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        check_in(ticket, technician)

    assert set(checks(ticket)) == {"resolve"}


def test_a_remote_fix_ends_every_clock(file_at, dispatcher):
    ticket = file_at(at(2026, 11, 27, 10))
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        tickets.ticket_acknowledge(ticket=ticket, by=dispatcher)
        tickets.ticket_resolve(ticket=ticket, by=dispatcher, outcome="remote", work_done="Reset the printer driver.")

    assert checks(ticket) == {}


def test_cancelling_ends_every_clock(file_at, merchant):
    ticket = file_at(at(2026, 11, 27, 10))
    tickets.ticket_cancel(ticket=ticket, by=merchant, reason="Fixed it myself.")

    assert checks(ticket) == {}


def test_a_pause_removes_the_checks_and_resuming_brings_them_back_moved(file_at, dispatcher):
    ticket = file_at(at(2026, 11, 27, 10))
    with time_machine.travel(at(2026, 11, 27, 12), tick=False):
        tickets.ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for the terminal's serial photo.")
    assert checks(ticket) == {}

    with time_machine.travel(at(2026, 11, 27, 15), tick=False):
        tickets.ticket_resume(ticket=ticket, by=dispatcher)

    assert checks(ticket)["respond"] == ("at_risk", at(2026, 11, 28, 7))  # three hours later


def test_a_level_that_fired_is_not_scheduled_again_after_a_pause(file_at, dispatcher, told):
    ticket = file_at(at(2026, 11, 27, 10))
    scan_at(at(2026, 11, 28, 5))  # response at risk (due 04:00)
    assert checks(ticket)["respond"] == ("breached", at(2026, 11, 28, 10))

    with time_machine.travel(at(2026, 11, 28, 6), tick=False):
        tickets.ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for information.")
    with time_machine.travel(at(2026, 11, 28, 8), tick=False):
        tickets.ticket_resume(ticket=ticket, by=dispatcher)

    # The warning moved to 06:00 but has fired already; the next level is the (moved) breach.
    assert checks(ticket)["respond"] == ("breached", at(2026, 11, 28, 12))
    assert Escalation.objects.filter(ticket=ticket, milestone="respond").count() == 1


def test_a_quote_pauses_the_clock_until_the_merchant_answers(file_at, merchant, dispatcher, technician):
    ticket = file_at(at(2026, 11, 27, 10), device=factories.DeviceFactory(merchant=merchant.merchant))
    assert not ticket.warranty_covered
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        tickets.ticket_assign(ticket=ticket, technician=technician, by=dispatcher)
        quote = send_quote(ticket, technician.user)
    assert checks(ticket) == {}

    with time_machine.travel(at(2026, 11, 27, 13), tick=False):
        quote_decide(quote=quote, by=merchant, approve=True)

    assert set(checks(ticket)) == {"onsite", "resolve"}


def test_changing_a_policys_warning_share_moves_the_pending_checks(file_at, policy):
    from sla.services import sla_checks_rebuild

    ticket = file_at(at(2026, 11, 27, 10))
    policy.at_risk_share = Decimal("0.50")
    policy.save(update_fields=["at_risk_share"])

    assert sla_checks_rebuild(policy=policy) == 1
    assert checks(ticket)["respond"] == ("at_risk", at(2026, 11, 27, 22))


def test_the_rebuild_command_recomputes_every_running_ticket(file_at):
    from django.core.management import call_command

    ticket = file_at(at(2026, 11, 27, 10))
    SLACheck.objects.all().delete()

    call_command("sla_rebuild_checks")

    assert checks(ticket)["respond"][0] == Level.AT_RISK

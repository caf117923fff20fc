"""A list of tickets draws their deadlines' states with the policies each process keeps
(sla.policies), active or not, and sees a policy an admin changed on its next read."""

import datetime

import pytest
from django.utils import timezone

from sla.deadlines import ClockBook
from sla.policies import sla_policies
from sla.selectors import State, ticket_sla_status
from tests.factories import SLAPolicyFactory, file_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_keeps_its_deactivated_policy_and_its_states_need_no_query(
    merchant, device, sla_policy, django_assert_num_queries
):
    ticket = file_ticket(merchant, device)
    sla_policy.active = False
    sla_policy.save()
    sla_policies()  # this process's copy, read again after the change

    with django_assert_num_queries(0):
        status = ticket_sla_status(ticket=ticket, clocks=ClockBook())
    assert [m.state for m in status.milestones] == [State.ON_TRACK] * 3


def test_a_changed_policy_is_seen_on_the_next_read(merchant, device, sla_policy):
    ticket = file_ticket(merchant, device)
    later = timezone.now() + datetime.timedelta(hours=1)
    assert ticket_sla_status(ticket=ticket, now=later, clocks=ClockBook()).milestones[0].state == State.ON_TRACK

    # Warn once 1 % of the 24 hours to respond have passed.
    sla_policy.at_risk_share = "0.01"
    sla_policy.save(update_fields=["at_risk_share"])

    assert ticket_sla_status(ticket=ticket, now=later, clocks=ClockBook()).milestones[0].state == State.AT_RISK


def test_a_policy_newer_than_this_process_copy_is_read_from_the_database(merchant, device, monkeypatch):
    policy = SLAPolicyFactory(name="Urgent", response_hours=2)
    monkeypatch.setattr("sla.deadlines.sla_policies", lambda: {})  # a copy read before it existed

    assert ClockBook().for_policy_id(policy.pk).policy == policy

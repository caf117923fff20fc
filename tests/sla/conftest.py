"""Fixtures for the SLA engine: a known policy, tickets filed at a chosen moment, the scanner."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import SLAPolicy
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    """A moment in Asia/Shanghai: at(2026, 11, 27, 10) is 27 Nov 2026 10:00 local time."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def policy(db):
    """The provider's standard promise: respond 24 h, on site 48 h, repair in 3 working days (2 for
    printers, 1 for software); at risk at 75 % of the time; managers told 4 h after a breach."""
    return SLAPolicy.objects.create(
        name="Standard",
        response_hours=24,
        onsite_hours=48,
        resolution_working_days=3,
        resolution_days_by_fault={"software": 1, "printer": 2},
        manager_escalation_hours=4,
    )


@pytest.fixture
def file_at(merchant, policy):
    """File a ticket through the real service as `merchant` at a given moment."""

    def file(moment: datetime.datetime, **overrides):
        with time_machine.travel(moment, tick=False):
            return factories.file_ticket(merchant, **overrides)

    return file


@pytest.fixture
def told(dispatcher, manager):
    """The people escalations reach: a dispatcher and a manager with a mobile number."""
    manager.phone = "13900001111"
    manager.save(update_fields=["phone"])
    return {"dispatcher": dispatcher, "manager": manager}


def scan_at(moment: datetime.datetime, **kwargs):
    from sla.services import escalations_scan

    with time_machine.travel(moment, tick=False):
        return escalations_scan(**kwargs)


def escalation_deliveries():
    """The outbox rows escalations wrote (filing a ticket also queues the merchant's e-mail copy)."""
    from notifications.models import Delivery

    return Delivery.objects.filter(source__startswith="escalation:")


@pytest.fixture
def merchant(db):
    """The merchant files without an e-mail address, so the outbox holds only what escalations owe."""
    return factories.merchant_user(username="merchant-wang", email="")

"""A small hand-made world for known-answer tests: tickets written with exactly the columns each
figure reads, so every expected number can be worked out by hand."""

import datetime
import itertools

import pytest
from django.http import QueryDict

from dashboard.filters import View
from tests import factories
from tests.browser.conftest import browser, open_page  # noqa: F401  (browser fixtures)
from tests.helpers import at
from tickets.models import Ticket
from tickets.regions import region_id_of

_numbers = itertools.count(1)

# "Now" for every known-answer test: Wednesday 25 Nov 2026, 12:00 in Shanghai.
NOW = at(2026, 11, 25, 12)


def make_ticket(merchant, filed: datetime.datetime, **fields) -> Ticket:
    """A ticket with the given columns; deadlines 24 h / 48 h / 72 h after filing unless given."""
    fields.setdefault("respond_by", filed + datetime.timedelta(hours=24))
    fields.setdefault("onsite_by", filed + datetime.timedelta(hours=48))
    fields.setdefault("resolve_by", filed + datetime.timedelta(hours=72))
    fields.setdefault("region_id", region_id_of(device=fields.get("device"), merchant=merchant))
    return Ticket.objects.create(
        number=f"RT-TEST-{next(_numbers):05d}",
        merchant=merchant,
        description="Printer jams",
        contact_name="王丽",
        contact_phone="13800138000",
        created_at=filed,
        **fields,
    )


def view_of(actor, query: str = "", now=NOW) -> View:
    return View.from_query(QueryDict(query), actor=actor, now=now)


@pytest.fixture
def shop(merchant):
    return merchant.merchant


@pytest.fixture
def other_shop(other_merchant):
    return other_merchant.merchant


@pytest.fixture
def terminal(shop):
    return factories.DeviceFactory(merchant=shop, firmware_version="1.0.0")

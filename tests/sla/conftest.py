"""Fixtures for the SLA engine: the standard policy under its SLA name, and a merchant without an
e-mail address so the outbox holds only what escalations owe."""

import pytest

from tests import factories


@pytest.fixture
def policy(sla_policy):
    """The provider's standard promise: respond 24 h, on site 48 h, repair in 3 working days (2 for
    printers, 1 for software); at risk at 75 % of the time; managers told 4 h after a breach."""
    return sla_policy


@pytest.fixture
def merchant(db):
    """The merchant files without an e-mail address, so the outbox holds only what escalations owe."""
    return factories.merchant_user(username="merchant-wang", email="")

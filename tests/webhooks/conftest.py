import pytest


@pytest.fixture(autouse=True)
def _sla(sla_policy):
    """Tickets get deadlines, as they do in production: escalations are among the events sent."""

"""Known answers for every figure, on tickets written by hand (see conftest.make_ticket)."""

import datetime

import pytest

from dashboard import figures
from tests.dashboard.conftest import make_ticket, view_of
from tests.helpers import at

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


def by_milestone(rows):
    return {row.milestone: (row.on_time, row.late, row.missed, row.pending) for row in rows}


class TestCompliance:
    def test_met_exactly_at_the_deadline_is_on_time_and_a_minute_after_is_late(self, manager, shop):
        filed = at(2026, 11, 20, 10)
        make_ticket(shop, filed, responded_at=filed + 24 * H)
        make_ticket(shop, filed, responded_at=filed + 24 * H + datetime.timedelta(minutes=1))

        rows = by_milestone(figures.compliance_figure(view_of(manager)))

        assert rows["respond"] == (1, 1, 0, 0)


def test_every_figure_computes_on_an_empty_and_a_small_world(manager, shop, terminal, django_assert_max_num_queries):
    make_ticket(shop, at(2026, 11, 20, 10), device=terminal, responded_at=at(2026, 11, 20, 11))

    with django_assert_max_num_queries(30):
        result = figures.figures_compute(view_of(manager, "period=90d"))

    assert result.filed == 1
    assert result.durations["respond"].mean == H
    assert result.durations["respond"].p90 == H

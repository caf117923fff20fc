"""Open tickets now: the beat's snapshot, read where it serves the view, says the same as counting
live at the moment it was taken, and says when it was taken."""

import datetime

import pytest
import time_machine
from django.conf import settings

from dashboard import figures
from dashboard.models import OpenTicketsCount
from dashboard.open_tickets import SNAPSHOT_MAX_AGE, open_snapshot_take
from tests import factories
from tests.dashboard.conftest import NOW, make_ticket, view_of
from tests.helpers import at
from tickets.models import Status

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


@pytest.fixture
def open_tickets(shop, other_shop):
    hangzhou = factories.RegionFactory(code="hz-open", name="杭州", name_en="Hangzhou")
    other_shop.region = hangzhou
    other_shop.save()
    for merchant in (shop, other_shop):
        make_ticket(merchant, NOW - 2 * H, status=Status.NEW)  # on track
        make_ticket(merchant, NOW - 30 * H, status=Status.ACKNOWLEDGED, responded_at=NOW - 29 * H)  # on track
        make_ticket(merchant, NOW - 50 * H, status=Status.DISPATCHED, responded_at=NOW - 49 * H)  # on site missed
        make_ticket(merchant, NOW - 40 * H, status=Status.WAITING_MERCHANT, responded_at=NOW - 39 * H,
                    paused_from_status=Status.ACKNOWLEDGED, paused_at=NOW - 38 * H)  # fmt: skip
        make_ticket(merchant, NOW - 90 * H, status=Status.RESOLVED, resolved_at=NOW - 10 * H)  # not open
    return hangzhou


def counts(result: figures.OpenTickets) -> tuple:
    return [row[2] for row in result.by_status], [row[2] for row in result.by_state]


class TestTheSnapshot:
    @pytest.mark.parametrize("query", ["", "region=hz-open", "kind=repair", "kind=installation"])
    def test_reads_as_counting_live_when_it_was_taken(self, manager, open_tickets, query):
        live = figures.open_figure(view_of(manager, query))
        assert live.as_of is None

        open_snapshot_take(now=NOW)
        kept = figures.open_figure(view_of(manager, query, now=NOW + datetime.timedelta(seconds=20)))

        assert kept.as_of == NOW
        assert counts(kept) == counts(live)

    def test_a_partner_reads_only_its_merchants(self, manager, partner, open_tickets):
        open_snapshot_take(now=NOW)

        kept = figures.open_figure(view_of(partner))

        assert kept.as_of == NOW
        assert kept.total == 4  # the four open tickets of the partner's merchant
        assert figures.open_figure(view_of(manager)).total == 8

    def test_too_old_or_not_fitting_the_view_it_is_not_used(self, manager, open_tickets, shop):
        open_snapshot_take(now=NOW)

        assert figures.open_figure(view_of(manager, now=NOW + SNAPSHOT_MAX_AGE + H)).as_of is None
        assert figures.open_figure(view_of(manager, f"merchant={shop.pk}")).as_of is None

    def test_the_snapshot_before_is_kept_and_older_ones_deleted(self, open_tickets):
        for minutes in (0, 1, 2):
            open_snapshot_take(now=NOW + datetime.timedelta(minutes=minutes))

        taken = sorted(set(OpenTicketsCount.objects.values_list("taken_at", flat=True)))
        assert taken == [NOW + datetime.timedelta(minutes=1), NOW + datetime.timedelta(minutes=2)]

    def test_the_page_says_when_it_was_counted(self, client, manager, open_tickets):
        open_snapshot_take(now=at(2026, 11, 25, 11, 59, 40))
        client.force_login(manager)

        with time_machine.travel(NOW, tick=False):
            page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert "Counted at 11:59:40." in page

    def test_the_beat_takes_one_every_half_minute(self):
        entry = settings.CELERY_BEAT_SCHEDULE["dashboard-open-snapshot"]
        assert (entry["task"], entry["schedule"]) == ("dashboard.open_snapshot", 30.0)

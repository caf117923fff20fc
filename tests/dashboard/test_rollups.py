"""The daily roll-ups: the figures read from them plus the running tickets read live are the figures
read live from every ticket, and a write shows in the next read without waiting for the beat."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from dashboard import figures, rollups
from dashboard.models import DailyRepairRollup, DailyRollup, StaleDay, WeeklyRollup
from technicians.models import RepairReport
from tests import factories
from tests.dashboard.conftest import NOW, make_ticket, view_of
from tests.helpers import at
from tickets.facts import ticket_facts_fill, ticket_minutes_fill
from tickets.models import Feedback, Kind, Status

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
FILED = at(2026, 11, 20, 10)
# 23:30 on 19 November in Shanghai: 15:30 UTC, the same UTC day as FILED's day before.
LATE_EVENING = at(2026, 11, 19, 23, 30)


def live_sums(view) -> dict:
    """The sums over every ticket of the view, one count per step of each histogram (as the roll-ups
    are built), read live."""
    return rollups._zero_counts(rollups._prepared(view.tickets()).aggregate(**rollups.ticket_sums(view.now)))


def live_repairs(view) -> list[tuple]:
    groups = (
        rollups.resolved_repairs(view.tickets())
        .values("fixed_by", model=F("device__model"), firmware=Coalesce("device__firmware_version", Value("")))
        .annotate(**rollups.repair_sums())
        .order_by()
    )
    return sorted(_repair_row(group) for group in groups)


def kept_repairs(view) -> list[tuple]:
    return sorted(_repair_row(group) for group in rollups.repair_groups(view))


def _repair_row(group: dict) -> tuple:
    names = ("model", "firmware", "fixed_by", "repairs", "first_time", "repeats")
    return tuple((group[name] is None, group[name] or 0) for name in names)


@pytest.fixture
def world(shop, other_shop, technician):
    """Tickets of two merchants (two regions, two partners), two models and three kinds, in every
    state a figure tells apart: met on time and late, missed while running, pending, paused, cancelled,
    resolved and closed (rated, charged, back within 30 days), one filed late in the evening."""
    hangzhou = factories.RegionFactory(code="hz-roll", name="杭州", name_en="Hangzhou")
    other_shop.region = hangzhou
    other_shop.save()
    first = factories.DeviceFactory(merchant=shop, firmware_version="1.0.0")
    second = factories.DeviceFactory(merchant=other_shop, firmware_version="2.0.0")
    made = []
    for n, (merchant, device) in enumerate([(shop, first), (other_shop, second)] * 4):
        filed = FILED - n * 24 * H
        kind = (Kind.REPAIR, Kind.INSTALLATION, Kind.REPAIR, Kind.CONSULTATION)[n % 4]
        common = {"device": device, "kind": kind}
        resolved = make_ticket(
            merchant, filed, status=Status.RESOLVED, responded_at=filed + (n + 1) * H,
            onsite_at=filed + 30 * H, resolved_at=filed + (40 + 10 * n) * H, restored_at=filed + 40 * H, **common,
        )  # fmt: skip
        Feedback.objects.create(ticket=resolved, rating=1 + n % 5, comment="", created_at=filed + 50 * H)
        RepairReport.objects.create(
            ticket=resolved, technician=technician, outcome="repaired", work_done="Replaced the printer",
            labour_charge=Decimal("80.00"), parts_charge=Decimal(n * 10), charged=n % 2 == 0,
        )  # fmt: skip
        made.append(resolved)
        made.append(make_ticket(merchant, filed, status=Status.CLOSED, responded_at=filed + 30 * H,
                                resolved_at=filed + 20 * H, restored_at=filed + 20 * H, **common))  # fmt: skip
        made.append(make_ticket(merchant, filed, status=Status.CANCELLED, cancelled_at=filed + (2 + 30 * (n % 2)) * H,
                                **common))  # fmt: skip
        made.append(make_ticket(merchant, filed, status=Status.WAITING_MERCHANT, responded_at=filed + H,
                                paused_from_status=Status.ACKNOWLEDGED, paused_at=filed + (5 + 40 * (n % 2)) * H,
                                **common))  # fmt: skip
        made.append(make_ticket(merchant, filed, status=Status.ACKNOWLEDGED, responded_at=filed + 2 * H, **common))
        made.append(make_ticket(merchant, NOW - 3 * H, status=Status.NEW, **common))  # due tomorrow: pending
    made.append(make_ticket(shop, LATE_EVENING, status=Status.CLOSED, device=first, responded_at=LATE_EVENING + H,
                            resolved_at=LATE_EVENING + 5 * H, restored_at=LATE_EVENING + 5 * H))  # fmt: skip
    ticket_minutes_fill()
    ticket_facts_fill()
    return {"tickets": made, "hangzhou": hangzhou, "first": first, "second": second}


VIEWS = ["", "period=90d", "region=hz-roll", "kind=repair", "kind=installation", "period=7d"]


class TestTheSameFiguresAsReadLive:
    @pytest.mark.parametrize("query", VIEWS)
    def test_every_sum(self, manager, world, query):
        view = view_of(manager, query)
        assert rollups.rollups_serve(view)

        assert rollups.period_sums(view) == live_sums(view)
        assert DailyRollup.objects.exists()

    def test_partner_model_and_a_partner_caller(self, manager, partner, world, shop):
        for view in (
            view_of(manager, f"partner={shop.partner_id}"),
            view_of(manager, f"model={world['first'].model_id}&period=90d"),
            view_of(partner, "period=90d"),
        ):
            assert rollups.rollups_serve(view)
            assert rollups.period_sums(view) == live_sums(view)
        assert rollups.period_sums(view_of(partner))["filed"] < rollups.period_sums(view_of(manager))["filed"]

    @pytest.mark.parametrize("query", ["", "region=hz-roll", "kind=installation"])
    def test_repairs_weeks_and_regions(self, manager, world, query):
        view = view_of(manager, query)

        assert kept_repairs(view) == live_repairs(view)
        assert DailyRepairRollup.objects.exists()
        weeks = rollups.period_sums_by(view, "week", ["filed", "respond_missed", "respond_on_time"])
        assert sum(row["filed"] for row in weeks.values()) == live_sums(view)["filed"]
        regions = rollups.period_sums_by(view, "region", ["breached", "filed"])
        assert sum(row["breached"] for row in regions.values()) == live_sums(view)["breached"]

    def test_a_ticket_filed_late_in_the_evening_counts_on_its_local_day(self, manager, world):
        view = view_of(manager, "period=custom&start=2026-11-19&end=2026-11-19")

        assert rollups.period_sums(view)["filed"] == live_sums(view)["filed"] == 6  # five that day, one late
        assert DailyRollup.objects.filter(day=datetime.date(2026, 11, 19)).exists()

    def test_the_dashboard_figures_match(self, manager, world):
        view = view_of(manager)
        kept = figures.figures_compute(view)

        assert rollups.rollups_serve(view)
        assert kept.filed == live_sums(view)["filed"]
        assert kept.revenue.amount == sum(
            r.labour_charge + r.parts_charge
            for r in RepairReport.objects.filter(charged=True, ticket__in=view.tickets())
        )
        assert kept.satisfaction.rated == Feedback.objects.filter(ticket__in=view.tickets()).count()


class TestWeeks:
    def test_a_week_holds_the_sums_of_its_days(self, manager, world):
        rollups.rollups_refresh()
        monday = datetime.date(2026, 11, 16)
        days = DailyRollup.objects.filter(day__gte=monday, day__lte=monday + datetime.timedelta(days=6))

        weekly = WeeklyRollup.objects.filter(week=monday)

        assert weekly.exists()
        for name in ("filed", "respond_on_time", "respond_within_120", "resolved", "charged"):
            assert sum(weekly.values_list(name, flat=True)) == sum(days.values_list(name, flat=True)) > 0

    @pytest.mark.parametrize(
        "start, end",
        [("2026-11-16", "2026-11-22"), ("2026-11-10", "2026-11-24"), ("2026-11-17", "2026-11-21")],
        ids=["one whole week", "a week and partial weeks around it", "inside one week"],
    )
    def test_whole_weeks_and_the_days_around_them_add_up(self, manager, world, start, end):
        view = view_of(manager, f"period=custom&start={start}&end={end}")

        assert rollups.period_sums(view) == live_sums(view)
        total, weeks, regions = rollups.period_sums_split(view)
        assert total == live_sums(view)
        assert sum(row["respond_late"] for row in weeks.values()) == total["respond_late"]
        assert sum(row["filed"] for row in regions.values()) == total["filed"]


class TestKeptByWrites:
    def test_a_rating_shows_in_the_next_read(self, manager, world):
        view = view_of(manager)
        rollups.rollups_refresh()
        before = figures.satisfaction_figure(view)
        ticket = next(t for t in world["tickets"] if t.status == Status.CLOSED)

        Feedback.objects.create(ticket=ticket, rating=5, comment="Fast", created_at=NOW)

        assert StaleDay.objects.exists()
        after = figures.satisfaction_figure(view)
        assert after.rated == before.rated + 1
        assert not StaleDay.objects.exists()

    def test_a_ticket_that_stops_running_moves_from_the_live_part_into_the_roll_ups(self, manager, world):
        view = view_of(manager)
        running = next(t for t in world["tickets"] if t.status == Status.ACKNOWLEDGED)
        before = rollups.period_sums(view)

        running.status, running.resolved_at, running.restored_at = Status.RESOLVED, NOW - H, NOW - H
        running.save()

        after = rollups.period_sums(view)
        assert after == live_sums(view)
        assert (after["resolved"], after["filed"]) == (before["resolved"] + 1, before["filed"])

    def test_a_terminal_moved_to_another_model_is_counted_under_it(self, manager, world):
        rollups.rollups_refresh()
        other_model = factories.DeviceModelFactory()
        world["first"].model = other_model
        world["first"].save()

        view = view_of(manager, f"model={other_model.pk}&period=90d")
        assert rollups.period_sums(view) == live_sums(view)
        assert rollups.period_sums(view)["filed"] > 0

    def test_a_merchant_moved_to_another_region(self, manager, world, other_shop, shop):
        rollups.rollups_refresh()
        shop.region = world["hangzhou"]
        shop.save()
        world["first"].region = None
        world["first"].save()

        view = view_of(manager, "region=hz-roll&period=90d")
        assert rollups.period_sums(view) == live_sums(view)

    def test_a_running_ticket_turns_missed_with_the_clock_alone(self, manager, world):
        soon = view_of(manager, now=NOW)
        later = view_of(manager, now=NOW + 48 * H)

        assert rollups.period_sums(soon)["respond_missed"] < rollups.period_sums(later)["respond_missed"]
        assert rollups.period_sums(later) == live_sums(later)

    def test_a_rebuild_from_scratch_gives_the_same_rows(self, manager, world):
        view = view_of(manager, "period=90d")
        first = rollups.period_sums(view)
        DailyRollup.objects.all().delete()

        assert rollups.rollups_rebuild() > 0
        assert rollups.period_sums(view) == first


class TestWhereTheRollUpsDoNotFit:
    @pytest.mark.parametrize("query", VIEWS)
    def test_the_live_histograms_count_as_the_built_ones(self, manager, world, query):
        view = view_of(manager, query)

        assert rollups.live_sums(view.tickets(), view.now) == live_sums(view)

    def test_a_merchant_or_technician_filter_reads_live(self, manager, world, shop, technician):
        for query in (f"merchant={shop.pk}", f"technician={technician.pk}"):
            view = view_of(manager, query)
            assert not rollups.rollups_serve(view)
            assert rollups.period_sums(view) == live_sums(view)

    def test_the_triggers_write_the_local_day(self, shop):
        StaleDay.objects.all().delete()
        make_ticket(shop, LATE_EVENING, status=Status.CANCELLED, cancelled_at=LATE_EVENING + H)
        make_ticket(shop, LATE_EVENING, status=Status.NEW)  # running: read live, no mark

        assert list(StaleDay.objects.values_list("day", flat=True)) == [datetime.date(2026, 11, 19)]
        assert connection.vendor == "postgresql"

    def test_the_beat_refreshes_every_half_minute(self):
        entry = settings.CELERY_BEAT_SCHEDULE["dashboard-rollups-refresh"]
        assert (entry["task"], entry["schedule"]) == ("dashboard.rollups_refresh", 30.0)


class TestCompletedJobs:
    def test_the_workload_counts_jobs_completed_in_the_period_by_day_of_completion(self, manager, shop, technician):
        from technicians.models import Assignment

        view = view_of(manager, "period=custom&start=2026-11-19&end=2026-11-19")
        done = make_ticket(shop, FILED, status=Status.RESOLVED, resolved_at=FILED)
        evening = Assignment.objects.create(
            ticket=done, technician=technician, assigned_at=FILED - 24 * H, completed_at=LATE_EVENING
        )
        other = make_ticket(shop, FILED, status=Status.RESOLVED, resolved_at=FILED)
        Assignment.objects.create(ticket=other, technician=technician, assigned_at=FILED, completed_at=FILED)

        assert [w.completed for w in figures.workload_figure(view)] == [1]  # the evening's, not the 20th's

        evening.completed_at = FILED
        evening.save()
        assert [w.completed for w in figures.workload_figure(view)] == [0]
        assert [w.completed for w in figures.workload_figure(view_of(manager))] == [2]


class TestLatestComments:
    def test_a_view_without_a_comment_does_not_look_for_one(self, manager, world, django_assert_num_queries):
        view = view_of(manager)
        row = rollups.period_sums(view)
        assert row["commented"] == 0  # the world's ratings carry no comment

        with django_assert_num_queries(0):
            assert figures.satisfaction_figure(view, row).comments == []

    def test_the_latest_comments_of_the_view(self, manager, world):
        rated = [t for t in world["tickets"] if t.status == Status.CLOSED][:2]
        for n, ticket in enumerate(rated):
            Feedback.objects.create(ticket=ticket, rating=4, comment=f"Comment {n}", created_at=NOW - n * H)
        view = view_of(manager, "period=90d")

        satisfaction = figures.satisfaction_figure(view)

        assert rollups.period_sums(view)["commented"] == 2
        assert [f.comment for f in satisfaction.comments] == ["Comment 0", "Comment 1"]


class TestMoreWrites:
    def test_a_merchant_brought_by_another_partner_is_counted_under_it(self, manager, world, other_shop):
        rollups.rollups_refresh()
        newcomer = factories.PartnerFactory()
        other_shop.partner = newcomer
        other_shop.save()

        view = view_of(manager, f"partner={newcomer.pk}&period=90d")
        assert rollups.period_sums(view) == live_sums(view)
        assert rollups.period_sums(view)["filed"] > 0

    def test_a_charge_changed_on_a_report_shows(self, manager, world):
        rollups.rollups_refresh()
        report = RepairReport.objects.filter(charged=True).first()
        report.labour_charge += Decimal("100.00")
        report.save()

        view = view_of(manager, "period=90d")
        assert rollups.period_sums(view)["charged_amount"] == live_sums(view)["charged_amount"]


def test_the_connections_turn_postgresql_jit_off(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

"""Known answers for every figure, on tickets written by hand (see conftest.make_ticket): each
expected number can be counted on the fingers, and each is checked against the list of tickets its
drill-down shows."""

import datetime
from decimal import Decimal

import pytest

from dashboard import figures
from dashboard.filters import InvalidView
from technicians.models import Assignment, PartUsed, RepairReport, Visit
from tests import factories
from tests.dashboard.conftest import NOW, make_ticket, view_of
from tests.helpers import at
from tickets.facts import ticket_facts_fill, ticket_minutes_fill
from tickets.models import Feedback, Kind, Status, TicketEvent

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
FILED = at(2026, 11, 20, 10)  # a Friday, in the default 30 days before NOW
OCTOBER_1 = at(2026, 10, 1, 10)


def by_milestone(rows):
    return {row.milestone: (row.on_time, row.late, row.missed, row.pending) for row in rows}


def drilled(view, figure, arg=""):
    return set(figures.drill_tickets(view, figure, arg).values_list("number", flat=True))


class TestCompliance:
    def test_met_exactly_at_the_deadline_is_on_time_and_a_minute_after_is_late(self, manager, shop):
        make_ticket(shop, FILED, responded_at=FILED + 24 * H)
        late = make_ticket(shop, FILED, responded_at=FILED + 24 * H + datetime.timedelta(minutes=1))

        view = view_of(manager)
        rows = by_milestone(figures.compliance_figure(view))

        assert rows["respond"] == (1, 1, 0, 0)
        assert drilled(view, "respond.late") == {late.number}

    def test_a_clock_paused_before_the_deadline_is_pending_and_one_paused_after_it_is_missed(self, manager, shop):
        paused_in_time = make_ticket(
            shop,
            FILED,
            status=Status.WAITING_MERCHANT,
            paused_at=FILED + 2 * H,
            paused_from_status=Status.NEW,
        )
        paused_late = make_ticket(
            shop,
            FILED,
            status=Status.WAITING_MERCHANT,
            paused_at=FILED + 30 * H,
            paused_from_status=Status.NEW,
        )

        view = view_of(manager)
        rows = by_milestone(figures.compliance_figure(view))

        assert rows["respond"] == (0, 0, 1, 1)
        assert drilled(view, "respond.pending") == {paused_in_time.number}
        assert drilled(view, "respond.missed") == {paused_late.number}
        assert figures.open_figure(view).by_state == [
            ("breached", "Breached", 1),
            ("at_risk", "At risk", 0),
            ("paused", "Paused", 1),
            ("on_track", "On track", 0),
        ]

    def test_cancelled_tickets_are_left_out_unless_missed_before_the_cancellation(self, manager, shop):
        make_ticket(shop, FILED, status=Status.CANCELLED, cancelled_at=FILED + H)
        missed_first = make_ticket(shop, FILED, status=Status.CANCELLED, cancelled_at=FILED + 25 * H)

        view = view_of(manager)
        rows = by_milestone(figures.compliance_figure(view))

        assert rows["respond"] == (0, 0, 1, 0)
        assert rows["resolve"] == (0, 0, 0, 0)
        assert drilled(view, "respond.missed") == {missed_first.number}
        assert figures.open_figure(view).total == 0

    def test_the_weekly_trend_counts_each_ticket_in_its_local_week(self, manager, shop):
        # Monday 23 Nov 00:30 in Shanghai is still Sunday in UTC: it belongs to the week of the 23rd.
        monday = at(2026, 11, 23, 0, 30)
        make_ticket(shop, monday, responded_at=monday + H)
        sunday = at(2026, 11, 22, 23, 30)
        make_ticket(shop, sunday, responded_at=sunday + 30 * H)

        weeks = figures.compliance_trend_figure(view_of(manager))

        assert [(w.starts_on, w.milestones["respond"].on_time, w.milestones["respond"].late) for w in weeks] == [
            (datetime.date(2026, 11, 16), 0, 1),
            (datetime.date(2026, 11, 23), 1, 0),
        ]


class TestThePeriod:
    def test_a_day_runs_from_midnight_to_midnight_in_shanghai(self, manager, shop):
        first = make_ticket(shop, at(2026, 11, 20, 0, 0))
        last = make_ticket(shop, at(2026, 11, 20, 23, 59, 59))
        make_ticket(shop, at(2026, 11, 19, 23, 59, 59))
        make_ticket(shop, at(2026, 11, 21, 0, 0))

        view = view_of(manager, "period=custom&start=2026-11-20&end=2026-11-20")

        assert view.period.since == at(2026, 11, 20)
        assert set(view.tickets().values_list("number", flat=True)) == {first.number, last.number}

    def test_the_presets_end_today_in_shanghai(self, manager):
        # 23:30 UTC on the 24th is already the 25th in Shanghai.
        late_evening_utc = datetime.datetime(2026, 11, 24, 23, 30, tzinfo=datetime.UTC)

        view = view_of(manager, "period=7d", now=late_evening_utc)

        assert (view.period.first, view.period.last) == (datetime.date(2026, 11, 19), datetime.date(2026, 11, 25))
        assert view_of(manager, "period=last_month").period.first == datetime.date(2026, 10, 1)

    def test_dates_changed_under_a_preset_make_a_custom_range(self, manager):
        view = view_of(manager, "period=30d&start=2026-11-01&end=2026-11-25")

        assert (view.period.preset, view.period.first) == ("custom", datetime.date(2026, 11, 1))
        assert view.query() == "period=custom&start=2026-11-01&end=2026-11-25"


class TestScoping:
    def test_a_partner_counts_only_its_own_merchants(self, partner, manager, shop, other_shop):
        make_ticket(shop, FILED, responded_at=FILED + H)
        make_ticket(other_shop, FILED, responded_at=FILED + 30 * H)

        own = by_milestone(figures.compliance_figure(view_of(partner)))
        everyone = by_milestone(figures.compliance_figure(view_of(manager)))

        assert own["respond"] == (1, 0, 0, 0)
        assert everyone["respond"] == (1, 1, 0, 0)

    def test_a_partner_cannot_filter_by_another_partners_merchant(self, partner, other_shop):
        with pytest.raises(InvalidView):
            view_of(partner, f"merchant={other_shop.pk}")

    def test_filters_narrow_the_tickets(self, manager, shop, other_shop, terminal, technician):
        hangzhou = factories.RegionFactory(code="hangzhou", name="杭州", name_en="Hangzhou")
        other_shop.region = hangzhou
        other_shop.save(update_fields=["region"])
        in_shanghai = make_ticket(shop, FILED, device=terminal)
        in_hangzhou = make_ticket(other_shop, FILED, kind=Kind.INSTALLATION)
        Assignment.objects.create(ticket=in_hangzhou, technician=technician, assigned_at=FILED)

        def numbers(query):
            return set(view_of(manager, query).tickets().values_list("number", flat=True))

        assert numbers("region=hangzhou") == {in_hangzhou.number}
        assert numbers(f"model={terminal.model_id}") == {in_shanghai.number}
        assert numbers("kind=installation") == {in_hangzhou.number}
        assert numbers(f"technician={technician.pk}") == {in_hangzhou.number}
        assert numbers(f"partner={shop.partner_id}") == {in_shanghai.number}
        assert numbers(f"merchant={other_shop.pk}") == {in_hangzhou.number}


class TestDurations:
    def test_mean_and_90th_percentile_to_the_step_of_the_histogram(self, manager, shop):
        for hours in range(1, 11):
            make_ticket(shop, FILED, responded_at=FILED + hours * H, restored_at=FILED + 2 * hours * H)
        ticket_minutes_fill()  # rows written by hand: the minutes the services would have stored

        result = figures.durations_figure(view_of(manager))

        # The ninth of ten (nearest rank) took 9 h, in the histogram's step from 8 h to 10 h: nine in
        # ten within 10 h. Downtime: the ninth took 18 h, in the step from 16 h to 20 h.
        assert (result["respond"].count, result["respond"].mean, result["respond"].p90) == (10, 5.5 * H, 10 * H)
        assert (result["downtime"].mean, result["downtime"].p90) == (11 * H, 20 * H)
        assert result["resolve"] == figures.Duration("resolve", "Time to resolve", 0, None, None)

    def test_the_90th_percentile_is_the_first_step_nine_in_ten_fall_within(self, manager, shop):
        for _ in range(20):
            make_ticket(shop, FILED, responded_at=FILED + datetime.timedelta(minutes=10))
        for _ in range(2):
            make_ticket(shop, FILED, responded_at=FILED + 5 * H)
        ticket_minutes_fill()

        result = figures.durations_figure(view_of(manager))["respond"]

        assert (result.count, result.p90) == (22, datetime.timedelta(minutes=15))  # 20 of 22 within 15 min

    def test_the_90th_percentile_is_never_longer_than_the_longest_time(self, manager, shop):
        for minutes in (3, 5, 7):
            make_ticket(shop, FILED, responded_at=FILED + datetime.timedelta(minutes=minutes))
        ticket_minutes_fill()

        assert figures.durations_figure(view_of(manager))["respond"].p90 == datetime.timedelta(minutes=7)

    # Office hours 09:00-18:00: Friday 10-18 and Monday 9-10. Around the clock: every hour to respond,
    # working days only to resolve (Friday 10:00 to midnight and Monday to 10:00).
    @pytest.mark.parametrize(
        "office_hours, respond, resolve", [(True, 9 * H, 9 * H), (False, 72 * H, 24 * H)], ids=["office", "clock"]
    )
    def test_times_count_working_time_where_the_policy_does(self, manager, shop, office_hours, respond, resolve):
        """Filed on Friday 20 November at 10:00, responded to and resolved on Monday at 10:00."""
        monday = at(2026, 11, 23, 10)
        policy = factories.SLAPolicyFactory(name="Policy", business_hours_only=office_hours)
        make_ticket(shop, FILED, sla_policy=policy, responded_at=monday, resolved_at=monday, restored_at=monday)
        ticket_minutes_fill()

        result = figures.durations_figure(view_of(manager))

        assert (result["respond"].mean, result["respond"].p90) == (respond, respond)
        assert (result["resolve"].mean, result["resolve"].p90) == (resolve, resolve)
        assert result["downtime"].mean == 72 * H  # downtime is the merchant's: every hour counts


class TestRepairs:
    @pytest.fixture
    def repaired(self, shop, technician):
        """A repair of `terminal` resolved on 1 October at 10:00, by `technician`."""

        def repaired(device, resolved_at=OCTOBER_1, **fields):
            ticket = make_ticket(shop, resolved_at - 5 * H, device=device, resolved_at=resolved_at, **fields)
            RepairReport.objects.create(
                ticket=ticket, technician=technician, outcome=RepairReport.Outcome.REPAIRED, work_done="Printer"
            )
            return ticket

        return repaired

    def test_back_on_day_30_is_a_repeat_and_on_day_31_is_not(self, manager, shop, repaired, technician):
        came_back = factories.DeviceFactory(merchant=shop, firmware_version="1.0.0")
        stayed = factories.DeviceFactory(merchant=shop, firmware_version="2.0.0", model=came_back.model)
        first = repaired(came_back)
        repaired(stayed)
        make_ticket(shop, at(2026, 10, 31, 10), device=came_back)  # 30 days to the minute
        make_ticket(shop, at(2026, 11, 1, 10, 1), device=stayed)  # a day and a minute more
        ticket_facts_fill()  # rows written by hand: the facts the services would have stored
        view = view_of(manager, "period=custom&start=2026-09-01&end=2026-11-25")

        result = figures.repairs_figure(view)

        assert (result.resolved, result.repeats) == (2, 1)
        assert drilled(view, "repeats") == {first.number}
        assert [(row.label, row.repairs, row.repeats) for row in result.by_firmware] == [
            ("1.0.0", 1, 1),
            ("2.0.0", 1, 0),
        ]
        assert [(row.repairs, row.repeats) for row in result.by_model] == [(2, 1)]
        assert [(row.label, row.repairs, row.repeats) for row in result.by_technician] == [(str(technician), 2, 1)]
        assert drilled(view, "repeats", f"technician:{technician.pk}") == {first.number}
        assert drilled(view, "repeats", "firmware:2.0.0") == set()

    def test_a_cancelled_request_is_not_a_repeat(self, manager, shop, repaired):
        device = factories.DeviceFactory(merchant=shop)
        repaired(device)
        make_ticket(shop, at(2026, 10, 5, 10), device=device, status=Status.CANCELLED, cancelled_at=at(2026, 10, 5, 11))
        ticket_facts_fill()

        result = figures.repairs_figure(view_of(manager, "period=custom&start=2026-09-01&end=2026-11-25"))

        assert result.repeats == 0

    def test_first_time_fix_means_not_reopened_and_one_visit_at_most(self, manager, shop, repaired, technician):
        once = repaired(factories.DeviceFactory(merchant=shop))
        reopened = repaired(factories.DeviceFactory(merchant=shop))
        TicketEvent.objects.create(ticket=reopened, kind=TicketEvent.Kind.REOPENED, created_at=at(2026, 10, 2))
        twice = repaired(factories.DeviceFactory(merchant=shop))
        for ticket, visits in ((once, 1), (twice, 2)):
            assignment = Assignment.objects.create(ticket=ticket, technician=technician, assigned_at=ticket.created_at)
            for hour in range(visits):
                Visit.objects.create(
                    ticket=ticket, assignment=assignment, technician=technician, at=ticket.created_at + hour * H,
                    code_matched=True, verified=True,
                )  # fmt: skip
        ticket_facts_fill()
        view = view_of(manager, "period=custom&start=2026-09-01&end=2026-11-25")

        result = figures.repairs_figure(view)

        assert (result.resolved, result.first_time) == (3, 1)
        assert drilled(view, "first_time") == {once.number}
        assert drilled(view, "not_first_time") == {reopened.number, twice.number}


class TestServiceFigures:
    def test_satisfaction_average_response_rate_and_comments(self, manager, shop):
        rated = [make_ticket(shop, FILED, resolved_at=FILED + 5 * H) for _ in range(4)]
        Feedback.objects.create(ticket=rated[0], rating=5, comment="准时到达", created_at=FILED + 6 * H)
        Feedback.objects.create(ticket=rated[1], rating=3, created_at=FILED + 7 * H)

        result = figures.satisfaction_figure(view_of(manager))

        assert (result.resolved, result.rated, result.average, result.response_rate) == (4, 2, 4.0, 0.5)
        assert [feedback.comment for feedback in result.comments] == ["准时到达"]

    def test_parts_revenue_and_unverified_visits(self, manager, shop, technician):
        ticket = make_ticket(shop, FILED, resolved_at=FILED + 5 * H)
        free = make_ticket(shop, FILED, resolved_at=FILED + 5 * H)
        report = RepairReport.objects.create(
            ticket=ticket, technician=technician, outcome="replaced", work_done="Printer",
            labour_charge=Decimal("80"), parts_charge=Decimal("120"), charged=True,
        )  # fmt: skip
        RepairReport.objects.create(
            ticket=free, outcome="repaired", work_done="Cleaned", labour_charge=Decimal("80"), charged=False
        )
        printer = factories.SparePartFactory(sku="PRN-1", unit_cost=Decimal("120.00"))
        roller = factories.SparePartFactory(sku="ROL-1", unit_cost=Decimal("25.00"))
        PartUsed.objects.create(report=report, spare_part=printer, quantity=1, unit_cost=Decimal("120.00"))
        PartUsed.objects.create(report=report, spare_part=roller, quantity=2, unit_cost=Decimal("25.00"))
        assignment = Assignment.objects.create(ticket=ticket, technician=technician, assigned_at=FILED)
        Visit.objects.create(
            ticket=ticket, assignment=assignment, technician=technician, at=FILED + H, reason="No signal on site"
        )
        view = view_of(manager)

        parts, revenue, visits = figures.parts_figure(view), figures.revenue_figure(view), figures.visits_figure(view)

        assert (parts.quantity, parts.cost) == (3, Decimal("170.00"))
        assert [(p["sku"], p["quantity"]) for p in parts.top] == [("ROL-1", 2), ("PRN-1", 1)]
        assert (revenue.tickets, revenue.amount) == (1, Decimal("200.00"))
        assert (visits.total, visits.unverified, visits.awaiting_approval) == (1, 1, 1)
        assert drilled(view, "charged") == drilled(view, "parts") == drilled(view, "unverified") == {ticket.number}

    def test_breaches_by_region_use_the_terminals_region_before_the_merchants(self, manager, shop):
        hangzhou = factories.RegionFactory(code="hangzhou", name="杭州", name_en="Hangzhou")
        moved = factories.DeviceFactory(merchant=shop, region=hangzhou)
        late = make_ticket(shop, FILED, device=moved)  # nobody answered: breached
        make_ticket(shop, FILED, responded_at=FILED + H, onsite_at=FILED + 2 * H, resolved_at=FILED + 3 * H)
        view = view_of(manager)

        rows = [(region.code if region else None, breached, filed) for region, breached, filed in
                figures.breaches_by_region_figure(view)]  # fmt: skip

        assert rows == [("hangzhou", 1, 1), ("shanghai", 0, 1)]
        assert drilled(view, "region_breached", str(hangzhou.pk)) == {late.number}


def test_every_compliance_number_matches_its_drill_down(manager, shop):
    make_ticket(shop, FILED, responded_at=FILED + H)
    make_ticket(shop, FILED, responded_at=FILED + 25 * H, onsite_at=FILED + 50 * H)
    make_ticket(shop, NOW - 2 * H)
    make_ticket(shop, FILED, status=Status.CANCELLED, cancelled_at=FILED + 30 * H)
    view = view_of(manager)

    for row in figures.compliance_figure(view):
        for outcome in figures.OUTCOMES:
            assert len(drilled(view, f"{row.milestone}.{outcome}")) == getattr(row, outcome), (row.milestone, outcome)
    for status, _label, count in figures.open_figure(view).by_status:
        assert len(drilled(view, "open", status)) == count
    for state, _label, count in figures.open_figure(view).by_state:
        assert len(drilled(view, "state", state)) == count


def test_every_figure_computes_in_a_bounded_number_of_queries(manager, shop, terminal, django_assert_max_num_queries):
    make_ticket(shop, FILED, device=terminal, responded_at=FILED + H)
    ticket_minutes_fill()

    with django_assert_max_num_queries(30):
        result = figures.figures_compute(view_of(manager, "period=90d"))

    assert result.filed == 1
    assert result.durations["respond"].mean == H

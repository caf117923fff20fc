"""Deadline arithmetic on the mainland China calendar: weekends, statutory holidays, make-up
working days (调休), pauses, business hours and the warning before a deadline."""

import datetime
import logging

import pytest
import time_machine

from sla.calendar import WallClock, WorkingCalendar, WorkingClock
from sla.deadlines import Clocks, deadlines_compute, level_times
from sla.models import CalendarDay, Level, Milestone
from tests.helpers import at
from tickets.services import ticket_pause, ticket_resume

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_it_counts_response_and_on_site_hours_on_the_clock_over_a_weekend(file_at):
    ticket = file_at(at(2026, 11, 27, 10))  # a Friday

    assert ticket.respond_by == at(2026, 11, 28, 10)  # Saturday: hours run on the clock
    assert ticket.onsite_by == at(2026, 11, 29, 10)


def test_it_skips_the_weekend_for_working_days(file_at):
    ticket = file_at(at(2026, 11, 27, 15), fault_category="printer")  # 2 working days

    # Friday 15:00–24:00 (9 h) and Monday (24 h) leave 15 h for Tuesday.
    assert ticket.resolve_by == at(2026, 12, 1, 15)


def test_it_skips_the_spring_festival_and_works_the_make_up_saturday(file_at):
    # 2026: Spring Festival holiday 15–23 February; Saturday 14 February is a make-up working day.
    ticket = file_at(at(2026, 2, 13, 10), fault_category="screen")  # 3 working days

    # Fri 13th 14 h + Sat 14th (调休) 24 h + [15th–23rd off] + Tue 24th 24 h = 62 h; 10 h on the 25th.
    assert ticket.resolve_by == at(2026, 2, 25, 10)


def test_a_make_up_working_day_after_national_day_counts(file_at):
    # 2026: National Day holiday 1–7 October; Saturday 10 October is a make-up working day.
    ticket = file_at(at(2026, 10, 9, 12), fault_category="printer")  # 2 working days

    # Fri 9th 12 h + Sat 10th (调休) 24 h + [Sun 11th off] + 12 h on Monday.
    assert ticket.resolve_by == at(2026, 10, 12, 12)


def test_a_ticket_filed_on_a_holiday_starts_counting_on_the_next_working_day(file_at):
    ticket = file_at(at(2026, 10, 3, 9), fault_category="software")  # 1 working day, filed in the holiday

    assert ticket.resolve_by == at(2026, 10, 9, 0)  # all of Thursday the 8th
    assert ticket.respond_by == at(2026, 10, 4, 9)  # the response clock does not stop for holidays


def test_a_pause_spanning_national_day_moves_each_deadline_by_its_own_clock(file_at, dispatcher):
    ticket = file_at(at(2026, 9, 28, 10), fault_category="screen")  # Monday; 3 working days
    assert ticket.resolve_by == at(2026, 10, 8, 10)  # Mon 14 h, Tue 24 h, Wed 24 h, [1–7 Oct], Thu 10 h
    assert ticket.respond_by == at(2026, 9, 29, 10)
    assert ticket.onsite_by == at(2026, 9, 30, 10)

    with time_machine.travel(at(2026, 9, 29, 9), tick=False):
        ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for the merchant's photos.")
    with time_machine.travel(at(2026, 10, 8, 10), tick=False):
        ticket_resume(ticket=ticket, by=dispatcher)

    ticket.refresh_from_db()
    # Hours on the clock: 1 h and 25 h were left when the pause began.
    assert ticket.respond_by == at(2026, 10, 8, 11)
    assert ticket.onsite_by == at(2026, 10, 9, 11)
    # 49 working hours were left (Tue 15 h, Wed 24 h, Thu 10 h); the holiday does not use any, and
    # Saturday 10 October is a make-up working day: Thu 14 h + Fri 24 h + Sat 11 h.
    assert ticket.resolve_by == at(2026, 10, 10, 11)


def test_a_deadline_missed_before_the_pause_stays_missed(file_at, dispatcher):
    ticket = file_at(at(2026, 11, 23, 9))  # Monday
    with time_machine.travel(at(2026, 11, 24, 12), tick=False):  # response deadline was 09:00
        ticket_pause(ticket=ticket, by=dispatcher, reason="Waiting for a quote approval.")
    with time_machine.travel(at(2026, 11, 25, 12), tick=False):
        ticket_resume(ticket=ticket, by=dispatcher)

    ticket.refresh_from_db()
    assert ticket.respond_by == at(2026, 11, 24, 9)
    assert ticket.onsite_by == at(2026, 11, 26, 9)  # 21 h were left; paused for 24 h


def test_business_hours_policies_count_only_open_hours(policy, settings):
    policy.business_hours_only = True
    policy.response_hours = 4
    deadlines = deadlines_compute(policy=policy, start=at(2026, 11, 27, 17), kind="repair", fault_category="screen")

    # Friday 17:00–18:00, then 09:00–12:00 on Monday.
    assert deadlines.respond_by == at(2026, 11, 30, 12)
    # Three working days of 9 open hours from Friday 17:00: 1 h + Mon 9 h + Tue 9 h + 8 h on Wednesday.
    assert deadlines.resolve_by == at(2026, 12, 2, 17)


def test_an_admin_correction_wins_over_the_statutory_calendar(policy):
    CalendarDay.objects.create(date=datetime.date(2026, 11, 30), is_working_day=False, note="Local holiday")

    deadlines = deadlines_compute(
        policy=policy, start=at(2026, 11, 27, 15), kind="repair", fault_category="printer", calendar=None
    )

    assert deadlines.resolve_by == at(2026, 12, 2, 15)


def test_a_year_the_library_does_not_know_falls_back_to_weekdays_and_says_so(caplog):
    calendar = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="sla.calendar"):
        assert calendar.is_working_day(datetime.date(2099, 1, 5))  # a Monday
        assert not calendar.is_working_day(datetime.date(2099, 1, 3))  # a Saturday
    assert "2099" in caplog.text


def test_consultations_have_no_on_site_deadline(file_at):
    ticket = file_at(at(2026, 11, 27, 10), kind="consultation", fault_category="")

    assert ticket.onsite_by is None
    assert ticket.respond_by == at(2026, 11, 28, 10)


@pytest.mark.parametrize(
    "end",
    [at(2026, 12, 1, 15), at(2026, 2, 25, 10), at(2026, 10, 12, 12), at(2026, 10, 8, 6), at(2026, 10, 10, 23, 59)],
)
@pytest.mark.parametrize("hours", [1, 12, 24, 48, 60])
def test_subtract_runs_add_backwards_on_working_days(end, hours):
    clock = WorkingClock(WorkingCalendar())
    start = clock.subtract(end, hours * HOUR)

    assert clock.add(start, hours * HOUR) == end
    assert clock.between(start, end) == hours * HOUR


def test_the_warning_comes_when_a_quarter_of_the_time_is_left(file_at, policy):
    ticket = file_at(at(2026, 9, 30, 9), fault_category="software")  # 1 working day, before National Day
    clocks = Clocks(policy)

    respond = level_times(ticket=ticket, milestone=Milestone.RESPOND, clocks=clocks)
    resolve = level_times(ticket=ticket, milestone=Milestone.RESOLVE, clocks=clocks)

    assert respond[Level.AT_RISK] == at(2026, 10, 1, 3)  # 18 of 24 hours
    assert respond[Level.BREACHED] == at(2026, 10, 1, 9)
    assert respond[Level.MANAGER] == at(2026, 10, 1, 13)  # 4 h after the breach
    # 24 working hours: Wed 15 h, then 9 h on Thursday 8 October; the warning 6 working hours
    # before the deadline falls on the same Thursday at 03:00.
    assert resolve[Level.BREACHED] == at(2026, 10, 8, 9)
    assert resolve[Level.AT_RISK] == at(2026, 10, 8, 3)


def test_wall_clock_subtract_is_plain_arithmetic():
    assert WallClock().subtract(at(2026, 10, 1, 9), 6 * HOUR) == at(2026, 10, 1, 3)

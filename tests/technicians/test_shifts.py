"""Shifts: a weekly schedule less leave days. Two readings of the rule (the loaded schedule and the
queryset filter the API uses) checked against each other, moment by moment."""

import datetime

import pytest

from technicians.models import Leave, Technician
from technicians.selectors import with_on_shift
from technicians.shifts import ShiftBook
from tests.factories import OFFICE_HOURS, TechnicianFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

T = datetime.time
# 2026-11-30 is a Monday.
MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture
def crew():
    """Office hours Monday to Friday; a night shift Monday 22:00–06:00; Sunday around the clock;
    nobody's schedule at all; and office hours with Wednesday off."""
    on_leave = TechnicianFactory(user__username="tech-leave", shifts=OFFICE_HOURS)
    wednesday = MONDAY + datetime.timedelta(days=2)
    Leave.objects.create(technician=on_leave, first_day=wednesday, last_day=wednesday)
    return {
        "office": TechnicianFactory(user__username="tech-office", shifts=OFFICE_HOURS),
        "night": TechnicianFactory(user__username="tech-night", shifts=[(0, T(22), T(6))]),
        "sunday": TechnicianFactory(user__username="tech-sunday", shifts=[(6, T(0), T(0))]),
        "none": TechnicianFactory(user__username="tech-none", shifts=[]),
        "leave": on_leave,
    }


MOMENTS = {
    at(2026, 11, 30, 8, 59): {"night": False, "office": False},
    at(2026, 11, 30, 9, 0): {"office": True, "leave": True},
    at(2026, 11, 30, 17, 59): {"office": True, "leave": True},
    at(2026, 11, 30, 18, 0): {},
    at(2026, 11, 30, 23, 0): {"night": True},
    at(2026, 12, 1, 5, 59): {"night": True},  # Monday's night shift runs into Tuesday
    at(2026, 12, 1, 6, 0): {},
    at(2026, 12, 2, 10, 0): {"office": True},  # Wednesday: on leave
    at(2026, 12, 6, 0, 0): {"sunday": True},
    at(2026, 12, 6, 23, 59): {"sunday": True},
    at(2026, 12, 7, 0, 0): {},  # Sunday's 24 hours end at midnight
}


@pytest.mark.parametrize("moment", list(MOMENTS), ids=[m.strftime("%a %H:%M") for m in MOMENTS])
def test_the_schedule_and_the_filter_agree_on_who_is_on_shift(crew, moment):
    expected = {name for name, on in MOMENTS[moment].items() if on}
    by_book = {
        name
        for name, technician in crew.items()
        if ShiftBook(technician.shifts.all(), technician.leaves.all()).on_shift(moment)
    }
    on_shift = dict(with_on_shift(Technician.objects.all(), moment).values_list("user__username", "on_shift"))
    by_query = {name for name, technician in crew.items() if on_shift[technician.user.username]}
    assert by_book == by_query == expected


def test_it_finds_the_next_shift_and_whether_work_falls_before_a_deadline(crew):
    office = ShiftBook(crew["office"].shifts.all(), [])
    friday_evening = at(2026, 12, 4, 19, 0)
    assert office.next_start(friday_evening) == at(2026, 12, 7, 9, 0)
    assert not office.works_before(friday_evening, at(2026, 12, 7, 8, 0))
    assert office.works_before(friday_evening, at(2026, 12, 7, 10, 0))
    assert ShiftBook([], []).next_start(friday_evening) is None


def test_the_api_lists_on_shift_from_the_schedule_and_filters_by_it(dispatcher_api, crew, time_machine):
    time_machine.move_to(at(2026, 11, 30, 23, 0), tick=False)
    rows = dispatcher_api.get("/api/v1/technicians/").json()["results"]
    assert {row["username"]: row["on_shift"] for row in rows} == {
        "tech-office": False,
        "tech-night": True,
        "tech-sunday": False,
        "tech-none": False,
        "tech-leave": False,
    }
    on = dispatcher_api.get("/api/v1/technicians/", {"on_shift": "true"}).json()["results"]
    off = dispatcher_api.get("/api/v1/technicians/", {"on_shift": "false"}).json()["results"]
    assert [row["username"] for row in on] == ["tech-night"]
    assert len(off) == 4

"""When a technician works: their weekly shifts less their leave days, in local time (Asia/Shanghai).

Two readings of one rule, checked against each other in the tests: `ShiftBook` over a technician's
loaded shifts and leaves (the dispatcher's suggestions, the assignment's warnings), and
`on_shift_q` for querysets (the API's `on_shift` filter and field).

A shift covers [start, end) on its weekday; one that ends at or before its start runs past midnight
into the next day, and one that ends exactly at its start lasts 24 hours. A leave day takes out
every shift that starts on it (a night shift begun the evening before runs to its end).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from technicians.models import Leave, Shift

# How far ahead the next shift is looked for: a schedule with nothing in two weeks has none.
HORIZON_DAYS = 14


@dataclass(frozen=True)
class Window:
    """One stretch of work, aware datetimes in local time."""

    starts: datetime.datetime
    ends: datetime.datetime

    def covers(self, moment: datetime.datetime) -> bool:
        return self.starts <= moment < self.ends


def shift_window(shift: Shift, day: datetime.date) -> Window:
    """The stretch `shift` covers when it starts on `day` (whose weekday must be the shift's)."""
    zone = timezone.get_current_timezone()
    starts = datetime.datetime.combine(day, shift.starts_at, tzinfo=zone)
    end_day = day if shift.ends_at > shift.starts_at else day + datetime.timedelta(days=1)
    return Window(starts, datetime.datetime.combine(end_day, shift.ends_at, tzinfo=zone))


class ShiftBook:
    """A technician's schedule, from their shifts and leaves (prefetched, or any iterables)."""

    def __init__(self, shifts, leaves):
        self.shifts = list(shifts)
        self.leaves = list(leaves)

    @classmethod
    def of(cls, technician) -> "ShiftBook":
        """From `technician.shifts` and `technician.leaves`, prefetched by the caller."""
        return cls(technician.shifts.all(), technician.leaves.all())

    def on_leave(self, day: datetime.date) -> bool:
        return any(leave.first_day <= day <= leave.last_day for leave in self.leaves)

    def windows(self, start: datetime.datetime, end: datetime.datetime) -> list[Window]:
        """Every stretch of work that overlaps [start, end), in order."""
        first = timezone.localtime(start).date() - datetime.timedelta(days=1)  # last night's shift
        last = timezone.localtime(end).date()
        found = []
        day = first
        while day <= last:
            if not self.on_leave(day):
                for shift in self.shifts:
                    if shift.weekday == day.weekday():
                        window = shift_window(shift, day)
                        if window.ends > start and window.starts < end:
                            found.append(window)
            day += datetime.timedelta(days=1)
        return sorted(found, key=lambda window: (window.starts, window.ends))

    def current(self, now: datetime.datetime) -> Window | None:
        """The stretch of work under way at `now`, joined with any that follows without a break."""
        windows = self.windows(now, now + datetime.timedelta(days=HORIZON_DAYS))
        current = next((window for window in windows if window.covers(now)), None)
        if current is None:
            return None
        for window in windows:
            if window.starts <= current.ends < window.ends:
                current = Window(current.starts, window.ends)
        return current

    def on_shift(self, now: datetime.datetime) -> bool:
        return any(window.covers(now) for window in self.windows(now, now + datetime.timedelta(seconds=1)))

    def next_start(self, now: datetime.datetime) -> datetime.datetime | None:
        """When work next begins after `now` (None within the horizon): for someone off shift now."""
        for window in self.windows(now, now + datetime.timedelta(days=HORIZON_DAYS)):
            if window.starts > now:
                return window.starts
        return None

    def works_before(self, now: datetime.datetime, deadline: datetime.datetime) -> bool:
        """Whether any shift time falls between `now` and `deadline`."""
        return deadline > now and bool(self.windows(now, deadline))


def on_shift_q(now: datetime.datetime | None = None) -> Q:
    """Technicians on shift at `now`, as a filter on technicians.

    The same rule as `ShiftBook.on_shift`: a shift that started today and has not ended, or last
    night's shift still running; neither on a leave day on which it started.
    """
    local = timezone.localtime(now or timezone.now())
    today, at = local.date(), local.time()
    yesterday = today - datetime.timedelta(days=1)
    runs_past_midnight = Q(ends_at__lte=F("starts_at"))
    started_today = Shift.objects.filter(
        Q(ends_at__gt=at) | runs_past_midnight,
        technician=OuterRef("pk"),
        weekday=today.weekday(),
        starts_at__lte=at,
    )
    from_last_night = Shift.objects.filter(
        runs_past_midnight, technician=OuterRef("pk"), weekday=yesterday.weekday(), ends_at__gt=at
    )
    on_leave = Leave.objects.filter(technician=OuterRef("pk"), first_day__lte=today, last_day__gte=today)
    on_leave_last_night = Leave.objects.filter(
        technician=OuterRef("pk"), first_day__lte=yesterday, last_day__gte=yesterday
    )
    return (Exists(started_today) & ~Exists(on_leave)) | (Exists(from_last_night) & ~Exists(on_leave_last_night))

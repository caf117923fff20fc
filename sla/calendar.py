"""Working days on the mainland China statutory calendar, and clocks that run only on them.

Which days are working days comes from the `chinese_calendar` library (statutory holidays and the
make-up working days, 调休), corrected by `CalendarDay` rows an admin enters (a year the library does
not know yet, a local holiday). For a year the library does not cover and no admin has entered, the
calendar falls back to Monday–Friday and logs a warning, so deadlines are never refused.

Asia/Shanghai has no daylight saving time, so local wall-clock arithmetic is exact.
"""

import datetime
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

from possystem.snapshot import Snapshot
from sla.models import CalendarDay

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# A calendar with no working day in two years is misconfigured; stop rather than loop.
MAX_SEARCH_DAYS = 2 * 366


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass
class WorkingCalendar:
    overrides: dict[datetime.date, bool] = field(default_factory=dict)
    _warned_years: set[int] = field(default_factory=set)
    # Each day's answer, kept for the life of this calendar (a changed calendar day loads a new
    # one): `chinese_calendar.is_workday` scans its whole table of holidays on every call, and
    # deadlines, at-risk times and list rows ask about the same few days again and again.
    _days: dict[datetime.date, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> "WorkingCalendar":
        """The calendar with the admin's corrections (one query; the table holds a few rows a year)."""
        return cls(overrides=dict(CalendarDay.objects.values_list("date", "is_working_day")))

    @classmethod
    def current(cls) -> "WorkingCalendar":
        """The calendar as this process last read it, read again after an admin changed a calendar
        day (in any process): filings, pages and scanner passes do not each query it."""
        return _CALENDAR.get()

    def is_working_day(self, day: datetime.date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._is_working_day(day)
        return known

    def _is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                logger.warning(
                    "No statutory calendar for %s; counting Monday to Friday as working days. "
                    "Upgrade chinesecalendar or enter the year's holidays as calendar days.",
                    day.year,
                )
            return day.weekday() < 5


_CALENDAR = Snapshot("sla-calendar", WorkingCalendar.load)


def calendar_snapshot() -> Snapshot:
    return _CALENDAR


def calendar_changed(**kwargs) -> None:
    """post_save / post_delete receiver of CalendarDay (sla.apps)."""
    _CALENDAR.changed()


class WallClock:
    """Every hour counts."""

    def add(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        return start + duration

    def subtract(self, end: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        return end - duration

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        return end - start


class WorkingClock:
    """Time counts only inside the open hours of working days.

    With no hours given a working day is open all day (24 hours count); with `opens` and `closes`
    only business hours count.
    """

    def __init__(
        self, calendar: WorkingCalendar, opens: datetime.time | None = None, closes: datetime.time | None = None
    ):
        self.calendar = calendar
        self.opens = opens
        self.closes = closes
        self.tz = local_tz()
        # Each day's open interval, once per clock: a list of tickets asks about the same days for
        # every row (a clock lives as long as the ClockBook that made it: a request, a scanner pass).
        self._intervals: dict[datetime.date, tuple[datetime.datetime, datetime.datetime] | None] = {}

    @property
    def day_length(self) -> datetime.timedelta:
        if self.opens is None:
            return ONE_DAY
        return _combine(datetime.date(2000, 1, 1), self.closes, self.tz) - _combine(
            datetime.date(2000, 1, 1), self.opens, self.tz
        )

    def open_interval(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        if day not in self._intervals:
            self._intervals[day] = self._open_interval(day)
        return self._intervals[day]

    def _open_interval(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        if not self.calendar.is_working_day(day):
            return None
        if self.opens is None:
            return _combine(day, datetime.time(0), self.tz), _combine(day + ONE_DAY, datetime.time(0), self.tz)
        return _combine(day, self.opens, self.tz), _combine(day, self.closes, self.tz)

    def add(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment `duration` of open time has passed after `start`."""
        remaining = duration
        cursor = start
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_SEARCH_DAYS):
            interval = self.open_interval(day)
            if interval is not None:
                opens, closes = max(interval[0], cursor), interval[1]
                if opens < closes:
                    if opens + remaining <= closes:
                        return opens + remaining
                    remaining -= closes - opens
            day += ONE_DAY
            cursor = _combine(day, datetime.time(0), self.tz)
        raise RuntimeError(f"No working day within {MAX_SEARCH_DAYS} days after {start}")

    def subtract(self, end: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment from which `duration` of open time runs until `end` (`add` run backwards)."""
        remaining = duration
        cursor = end
        day = end.astimezone(self.tz).date()
        for _ in range(MAX_SEARCH_DAYS):
            interval = self.open_interval(day)
            if interval is not None:
                opens, closes = interval[0], min(interval[1], cursor)
                if opens < closes:
                    if closes - remaining >= opens:
                        return closes - remaining
                    remaining -= closes - opens
            cursor = _combine(day, datetime.time(0), self.tz)
            day -= ONE_DAY
        raise RuntimeError(f"No working day within {MAX_SEARCH_DAYS} days before {end}")

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Open time from `start` to `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.between(end, start)
        total = datetime.timedelta(0)
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            interval = self.open_interval(day)
            if interval is not None:
                lo, hi = max(interval[0], start), min(interval[1], end)
                if hi > lo:
                    total += hi - lo
            day += ONE_DAY
        return total


def business_hours() -> tuple[datetime.time, datetime.time]:
    return settings.SLA_BUSINESS_OPENS, settings.SLA_BUSINESS_CLOSES


def _combine(day: datetime.date, time: datetime.time, tz: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=tz)

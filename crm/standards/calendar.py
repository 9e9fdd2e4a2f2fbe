"""Business-time arithmetic on the company's calendar: working weekdays, working hours, holidays.
Pure functions over a `WorkingCalendar` value, so they are easy to test; `current_calendar()` loads it."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

MAX_DAYS = 3660  # ten years of searching for a working day is a misconfigured calendar


@dataclass(frozen=True)
class WorkingCalendar:
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(settings.TIME_ZONE))

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=self.tz),
            datetime.combine(day, self.day_end, tzinfo=self.tz),
        )


def current_calendar() -> WorkingCalendar:
    from .models import BusinessCalendar, Holiday

    cal = BusinessCalendar.objects.filter(pk=1).first()
    holidays = frozenset(Holiday.objects.values_list("date", flat=True))
    if cal is None:
        return WorkingCalendar(holidays=holidays)
    return WorkingCalendar(
        weekdays=frozenset(cal.working_weekdays or [1, 2, 3, 4, 5]),
        day_start=cal.day_start,
        day_end=cal.day_end,
        holidays=holidays,
    )


def add_business_time(start: datetime, duration: timedelta, calendar: WorkingCalendar | None = None) -> datetime:
    """The moment when `duration` of working time has passed after `start` (timezone-aware, UTC result)."""
    calendar = calendar or current_calendar()
    if timezone.is_naive(start):
        raise ValueError("start must be timezone-aware")
    remaining = duration
    current = start.astimezone(calendar.tz)
    day = current.date()
    for _ in range(MAX_DAYS):
        if calendar.is_working_day(day):
            open_at, close_at = calendar.window(day)
            current = max(current, open_at)
            if current < close_at:
                available = close_at - current
                if remaining <= available:
                    return (current + remaining).astimezone(ZoneInfo("UTC"))
                remaining -= available
        day += timedelta(days=1)
        current = datetime.combine(day, time(0, 0), tzinfo=calendar.tz)
    raise ValueError("the business calendar has no working time")


def business_time_between(start: datetime, end: datetime, calendar: WorkingCalendar | None = None) -> timedelta:
    """Working time inside [start, end); zero when end <= start."""
    calendar = calendar or current_calendar()
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.astimezone(calendar.tz).date()
    last = end.astimezone(calendar.tz).date()
    while day <= last:
        if calendar.is_working_day(day):
            open_at, close_at = calendar.window(day)
            lo, hi = max(start, open_at), min(end, close_at)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def working_hours(hours: Decimal | int) -> timedelta:
    """A number of working hours (a Decimal, as targets are stored) as a duration, to the second."""
    return timedelta(seconds=int(hours * 3600))


def add_business_hours(start: datetime, hours: Decimal | int, calendar: WorkingCalendar | None = None) -> datetime:
    return add_business_time(start, working_hours(hours), calendar)

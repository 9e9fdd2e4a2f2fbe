"""Business-time arithmetic across nights, weekends, holidays and daylight-saving changes."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm.standards.calendar import (
    WorkingCalendar,
    add_business_hours,
    add_business_time,
    business_time_between,
    current_calendar,
)
from crm.standards.models import BusinessCalendar, Holiday

UTC = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar(tz=UTC)  # Mon-Fri 09:00-17:00


def at(y, m, d, h=0, minute=0, tz=UTC):
    return datetime(y, m, d, h, minute, tzinfo=tz)


def test_adding_hours_within_one_working_day():
    # Monday 2026-11-23 10:00 + 3h
    assert add_business_hours(at(2026, 11, 23, 10), 3, CAL) == at(2026, 11, 23, 13)


def test_adding_hours_runs_over_the_night_into_the_next_morning():
    assert add_business_hours(at(2026, 11, 23, 15), 4, CAL) == at(2026, 11, 24, 11)


def test_a_start_at_night_begins_counting_at_opening_time():
    assert add_business_hours(at(2026, 11, 23, 22), 1, CAL) == at(2026, 11, 24, 10)
    assert add_business_hours(at(2026, 11, 24, 3), 1, CAL) == at(2026, 11, 24, 10)


def test_friday_afternoon_runs_over_the_weekend_to_monday():
    # Friday 2026-11-27 16:00 + 2h -> Monday 10:00
    assert add_business_hours(at(2026, 11, 27, 16), 2, CAL) == at(2026, 11, 30, 10)


def test_a_start_on_saturday_counts_from_monday_morning():
    assert add_business_hours(at(2026, 11, 28, 12), Decimal("1.5"), CAL) == at(2026, 11, 30, 10, 30)


def test_holidays_are_skipped_like_weekends():
    cal = WorkingCalendar(tz=UTC, holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    # Wednesday 23 Dec 16:00 + 2h: Thursday and Friday are holidays, weekend -> Monday 28 Dec 10:00
    assert add_business_hours(at(2026, 12, 23, 16), 2, cal) == at(2026, 12, 28, 10)


def test_a_multi_day_target_counts_only_working_hours():
    # 24 working hours = three full 8h days: Monday 09:00 -> Wednesday 17:00
    assert add_business_hours(at(2026, 11, 23, 9), 24, CAL) == at(2026, 11, 25, 17)


def test_exact_end_of_day_stays_on_that_day():
    assert add_business_hours(at(2026, 11, 23, 9), 8, CAL) == at(2026, 11, 23, 17)


def test_business_time_between_counts_only_open_hours():
    assert business_time_between(at(2026, 11, 27, 16), at(2026, 11, 30, 10), CAL) == timedelta(hours=2)
    assert business_time_between(at(2026, 11, 23, 18), at(2026, 11, 24, 8), CAL) == timedelta(0)
    assert business_time_between(at(2026, 11, 24, 8), at(2026, 11, 23, 8), CAL) == timedelta(0)


def test_business_time_between_is_the_inverse_of_adding():
    start = at(2026, 11, 26, 14, 30)
    for hours in (1, 5, 9, 17, 40):
        end = add_business_hours(start, hours, CAL)
        assert business_time_between(start, end, CAL) == timedelta(hours=hours)


def test_spring_forward_keeps_local_opening_hours():
    cal = WorkingCalendar(tz=LONDON, weekdays=frozenset(range(1, 8)))
    # 2026-03-29 is the spring DST change in London (clocks go 01:00 -> 02:00). Saturday 16:00 local + 2h
    # -> Sunday 10:00 local, which is 09:00 UTC (BST).
    result = add_business_hours(datetime(2026, 3, 28, 16, tzinfo=LONDON), 2, cal)
    assert result == datetime(2026, 3, 29, 10, tzinfo=LONDON)
    assert result == at(2026, 3, 29, 9)


def test_autumn_change_keeps_local_opening_hours():
    cal = WorkingCalendar(tz=LONDON)
    # Friday 23 Oct 2026 16:00 BST + 2h -> Monday 26 Oct 10:00 GMT (10:00 UTC): the weekend's extra hour is
    # not working time.
    result = add_business_hours(datetime(2026, 10, 23, 16, tzinfo=LONDON), 2, cal)
    assert result == at(2026, 10, 26, 10)
    assert business_time_between(datetime(2026, 10, 23, 16, tzinfo=LONDON), result, cal) == timedelta(hours=2)


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_business_time(datetime(2026, 11, 23, 10), timedelta(hours=1), CAL)


def test_a_calendar_without_working_days_is_reported():
    with pytest.raises(ValueError):
        add_business_hours(at(2026, 11, 23, 10), 1, WorkingCalendar(tz=UTC, weekdays=frozenset()))


@pytest.mark.django_db
def test_current_calendar_reads_the_configured_week_and_holidays():
    BusinessCalendar.objects.create(working_weekdays=[1, 2, 3, 4, 5, 6], day_start=time(8), day_end=time(12))
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas")
    cal = current_calendar()
    assert cal.weekdays == frozenset({1, 2, 3, 4, 5, 6})
    assert cal.is_working_day(date(2026, 11, 28))  # a Saturday
    assert not cal.is_working_day(date(2026, 12, 25))
    # Saturday 11:00 + 2h -> Monday 09:00 (Sunday off, day is 08-12)
    assert add_business_hours(at(2026, 11, 28, 11), 2, cal) == at(2026, 11, 30, 9)

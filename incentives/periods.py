"""Scoring periods: a month ("2026-11") or a quarter ("2026-Q4"), in the company's time zone."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError

MONTH = "month"
QUARTER = "quarter"
_PATTERN = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class Period:
    kind: str  # MONTH or QUARTER
    year: int
    number: int  # month 1..12 or quarter 1..4

    def __str__(self) -> str:
        return f"{self.year}-{self.number:02d}" if self.kind == MONTH else f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return self.first_day.strftime("%B %Y")
        return f"Q{self.number} {self.year}"

    @property
    def first_day(self) -> date:
        month = self.number if self.kind == MONTH else 3 * (self.number - 1) + 1
        return date(self.year, month, 1)

    @property
    def end_day(self) -> date:
        """The first day after the period."""
        return self.next().first_day

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def ends_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end_day, time.min))

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range((self.end_day - self.first_day).days)]

    def next(self) -> "Period":
        last = 12 if self.kind == MONTH else 4
        if self.number == last:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.number + 1)

    def previous(self) -> "Period":
        last = 12 if self.kind == MONTH else 4
        if self.number == 1:
            return Period(self.kind, self.year - 1, last)
        return Period(self.kind, self.year, self.number - 1)

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def days_left(self, today: date | None = None) -> int:
        """Days left including today (0 once the period is over)."""
        today = today or timezone.localdate()
        return max(0, (self.end_day - max(today, self.first_day)).days)


def parse(value: str, *, field: str = "period") -> Period:
    match = _PATTERN.match((value or "").strip())
    if not match:
        raise ApplicationError(gettext("Enter a period as YYYY-MM (a month) or YYYY-Qn (a quarter)."), field=field)
    year, month, quarter = match.groups()
    if month:
        return Period(MONTH, int(year), int(month))
    return Period(QUARTER, int(year), int(quarter))


def containing(day: date, kind: str = MONTH) -> Period:
    if kind == MONTH:
        return Period(MONTH, day.year, day.month)
    return Period(QUARTER, day.year, (day.month - 1) // 3 + 1)


def current(kind: str = MONTH) -> Period:
    return containing(timezone.localdate(), kind)


def recent(kind: str = MONTH, count: int = 6) -> list[Period]:
    """The current period and the `count - 1` before it, newest first."""
    periods = [current(kind)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods

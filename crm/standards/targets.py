"""Versioned service targets, and how the last quarter went against them.

A target (say "complaints, high severity: first response") is named by a key its owner chooses. Changing it adds
a TargetVersion effective from a moment: today's change takes effect at once, a later date from the start of
that day (company time zone); a date in the past is refused (it would rewrite clocks already running). A clock
uses the version in force when it started (`hours_at`); with no version yet, the owner's configured value. The
first change of a target also records that configured value as the baseline version, so the history shows
what it was before.

The apps that own targets sit above this one, so they contribute through `sources` from their
AppConfig.ready(): a `TargetSource` lists its targets (key, label, configured value) and returns the SQL of its
measured clocks over a period: rows of (key, actual working hours, met 1/0). `quarter_figures` aggregates them
in one statement: how many were measured, the share met, the median and the 90th percentile of the actual
hours (nearest rank: the value at rank ceil(p x n) in ascending order).

Proposing a tighter target (`proposal`): when, over the last full calendar quarter, at least
PROPOSAL_MIN_MEASURED clocks were measured, at least PROPOSAL_MIN_SHARE_MET of them met the target, and the 90th
percentile took at most PROPOSAL_P90_RATIO of the target (met with room to spare), the proposal is the 90th
percentile rounded up to a whole hour (at least one), if that is below the target in force."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import TargetVersion

PROPOSAL_MIN_MEASURED = getattr(settings, "STANDARDS_PROPOSAL_MIN_MEASURED", 10)
PROPOSAL_MIN_SHARE_MET = Decimal(str(getattr(settings, "STANDARDS_PROPOSAL_MIN_SHARE_MET", "0.95")))
PROPOSAL_P90_RATIO = Decimal(str(getattr(settings, "STANDARDS_PROPOSAL_P90_RATIO", "0.70")))
BASELINE_FROM = datetime(2000, 1, 1, tzinfo=UTC)  # the baseline version: in force "since always"


@dataclass(frozen=True)
class TargetSpec:
    key: str
    label: str
    configured_hours: Decimal  # the owner's value, in force while the target has no version


@dataclass(frozen=True)
class TargetSource:
    """`targets()` -> [TargetSpec]; `measured_sql(start, end)` -> (SQL of rows key, actual_hours, met; params)."""

    name: str
    targets: Callable[[], list[TargetSpec]]
    measured_sql: Callable[[datetime, datetime], tuple[str, dict]]


sources: list[TargetSource] = []


def add_source(source: TargetSource) -> None:
    if all(s.name != source.name for s in sources):
        sources.append(source)


def all_targets() -> dict[str, TargetSpec]:
    return {spec.key: spec for source in sources for spec in source.targets()}


def hours_at(key: str, at: datetime, *, configured: Decimal) -> Decimal:
    """The target's hours in force at `at`: the latest version effective at or before it, else `configured`."""
    version = TargetVersion.objects.filter(key=key, effective_from__lte=at).order_by("-effective_from").first()
    return version.hours if version else configured


def versions_by_key(keys) -> dict[str, list[TargetVersion]]:
    out: dict[str, list[TargetVersion]] = {}
    for version in TargetVersion.objects.filter(key__in=list(keys)).select_related("created_by"):
        out.setdefault(version.key, []).append(version)
    return out


def in_force(versions: list[TargetVersion], at: datetime, configured: Decimal) -> Decimal:
    """From a key's versions (newest first), the hours in force at `at` (no query)."""
    for version in versions:
        if version.effective_from <= at:
            return version.hours
    return configured


def last_quarter(today: date) -> tuple[datetime, datetime]:
    """[start, end) of the last full calendar quarter before `today`, in the company time zone."""
    q_start_month = 3 * ((today.month - 1) // 3) + 1
    end_year, end_month = today.year, q_start_month
    start_month, start_year = end_month - 3, end_year
    if start_month < 1:
        start_month, start_year = start_month + 12, start_year - 1
    start = timezone.make_aware(datetime.combine(date(start_year, start_month, 1), time.min))
    end = timezone.make_aware(datetime.combine(date(end_year, end_month, 1), time.min))
    return start, end


def quarter_figures(start: datetime, end: datetime) -> dict[str, dict]:
    """{key: {measured, met, share_met, median_hours, p90_hours}} over clocks started in [start, end), every
    source's rows aggregated in one SQL statement per source."""
    out: dict[str, dict] = {}
    for source in sources:
        rows_sql, params = source.measured_sql(start, end)
        sql = f"""
WITH m AS ({rows_sql}),
r AS (
  SELECT key, actual_hours, met,
    ROW_NUMBER() OVER (PARTITION BY key ORDER BY actual_hours) AS rn,
    COUNT(*) OVER (PARTITION BY key) AS n
  FROM m
)
SELECT key, MAX(n) AS measured, SUM(met) AS met,
  MAX(CASE WHEN rn = (n + 1) / 2 THEN actual_hours END) AS median_hours,
  MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN actual_hours END) AS p90_hours
FROM r GROUP BY key"""
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for key, measured, met, median, p90 in cursor.fetchall():
                measured, met = int(measured), int(met or 0)
                out[key] = {
                    "measured": measured,
                    "met": met,
                    "share_met": (Decimal(met) / measured).quantize(Decimal("0.0001")) if measured else None,
                    "median_hours": _hours(median),
                    "p90_hours": _hours(p90),
                }
    return out


def _hours(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def proposal(figures: dict | None, target_hours: Decimal) -> Decimal | None:
    """A tighter target when the last quarter met this one with room to spare (module docstring), else None."""
    if not figures or figures["measured"] < PROPOSAL_MIN_MEASURED or figures["p90_hours"] is None:
        return None
    if figures["share_met"] < PROPOSAL_MIN_SHARE_MET:
        return None
    if figures["p90_hours"] > target_hours * PROPOSAL_P90_RATIO:
        return None
    proposed = Decimal(max(1, math.ceil(figures["p90_hours"])))
    return proposed if proposed < target_hours else None


def overview(*, today: date | None = None) -> list[dict]:
    """Per target: the hours in force now, its versions (newest first), the last quarter's figures against the
    version in force at the quarter's end, and the proposal. Queries: the versions, one per source."""
    today = today or timezone.localdate()
    now = timezone.now()
    specs = all_targets()
    versions = versions_by_key(specs)
    start, end = last_quarter(today)
    figures = quarter_figures(start, end)
    out = []
    for key, spec in specs.items():
        history = versions.get(key, [])
        quarter_target = in_force(history, end, spec.configured_hours)
        fig = figures.get(key)
        out.append(
            {
                "key": key,
                "label": spec.label,
                "hours": in_force(history, now, spec.configured_hours),
                "versions": history,
                "pending": [v for v in history if v.effective_from > now],
                "quarter": {"start": start, "end": end, "target_hours": quarter_target, **(fig or {"measured": 0})},
                "proposal": proposal(fig, quarter_target),
            }
        )
    return out

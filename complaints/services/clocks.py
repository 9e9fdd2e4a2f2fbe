"""Response clocks on the business calendar: the targets a complaint is measured against, its due times,
pausing while we wait for the client, the first response, and the resolution clock restarting on reopening.
Arithmetic on a complaint in memory; the calling service saves it."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from crm.standards import targets as versioned_targets
from crm.standards.calendar import (
    add_business_hours,
    add_business_time,
    business_time_between,
    current_calendar,
    working_hours,
)

from .. import rules
from ..models import Complaint, ComplaintCategory, ResponseTarget


def target_key(target_id: int, clock: str) -> str:
    """The versioned-target key of a response target row's clock ("first_response" or "resolution")."""
    return f"complaints.response.{target_id}.{clock}"


def target_hours(
    *, kind: str, severity: str, category: ComplaintCategory | None, at: datetime | None = None
) -> tuple[Decimal, Decimal]:
    """(first response, resolution) working hours of a clock started at `at` (default now): the category's
    target, else the general one, else the built-in default for the severity; of the target, the version in
    force at `at` (crm/standards/targets.py), else its configured value."""
    rows = ResponseTarget.objects.filter(kind=kind, severity=severity).filter(
        Q(category=category) | Q(category__isnull=True) if category else Q(category__isnull=True)
    )
    best = None
    for row in rows:
        if best is None or (row.category_id and not best.category_id):
            best = row
    if best:
        at = at or timezone.now()
        return (
            versioned_targets.hours_at(target_key(best.pk, "first_response"), at, configured=best.first_response_hours),
            versioned_targets.hours_at(target_key(best.pk, "resolution"), at, configured=best.resolution_hours),
        )
    return rules.DEFAULT_TARGET_HOURS[severity]


def set_due_times(complaint: Complaint, calendar=None) -> None:
    """Due times from the targets, counted on the business calendar from creation, plus working time
    the clock was paused."""
    calendar = calendar or current_calendar()
    first, resolution = target_hours(
        kind=complaint.kind, severity=complaint.severity, category=complaint.category, at=complaint.created_at
    )
    start = complaint.created_at
    extra = complaint.paused_total
    complaint.first_response_due = add_business_time(start, working_hours(first) + extra, calendar)
    complaint.resolution_due = add_business_time(start, working_hours(resolution) + extra, calendar)


def resume_clock(complaint: Complaint, now: datetime, calendar) -> None:
    if complaint.paused_at is None:
        return
    paused = business_time_between(complaint.paused_at, now, calendar)
    complaint.paused_total += paused
    if paused:
        if complaint.first_responded_at is None and complaint.first_response_due:
            complaint.first_response_due = add_business_time(complaint.first_response_due, paused, calendar)
        if complaint.resolution_due:
            complaint.resolution_due = add_business_time(complaint.resolution_due, paused, calendar)
    complaint.paused_at = None


def work_hours_since_created(complaint: Complaint, now: datetime, calendar=None) -> Decimal:
    """Working hours the complaint's clock ran from its creation to `now`, pauses excluded."""
    ran = business_time_between(complaint.created_at, now, calendar or current_calendar()) - complaint.paused_total
    return max(Decimal(ran.total_seconds()) / Decimal(3600), Decimal(0)).quantize(Decimal("0.01"))


def record_first_response(complaint: Complaint, now: datetime) -> None:
    if complaint.first_responded_at is None:
        complaint.first_responded_at = now
        complaint.first_response_work_hours = work_hours_since_created(complaint, now)
        if complaint.first_response_due and now > complaint.first_response_due:
            complaint.first_response_breached = True


def restart_resolution_clock(complaint: Complaint, now: datetime, calendar) -> None:
    """On reopening, the resolution clock starts again from now with the full resolution target."""
    _, resolution = target_hours(kind=complaint.kind, severity=complaint.severity, category=complaint.category, at=now)
    complaint.resolution_due = add_business_hours(now, resolution, calendar)
    complaint.resolved_at = None
    complaint.resolution_work_hours = None
    complaint.closed_at = None
    complaint.resolution_breached = False
    complaint.reopen_count += 1

"""Scheduled report runs. The scheduler passes no arguments, so each period has its own task."""

from celery import shared_task

from . import services
from .models import ReportPeriod

# Batch jobs over the whole ledger: more time than the default limits of interactive tasks.
LIMITS = {"soft_time_limit": 1800, "time_limit": 2100}


@shared_task(name="crm.reports.tasks.generate_weekly_reports", **LIMITS)
def generate_weekly_reports() -> list[int]:
    """Snapshots of every report for the 7 days ending at the start of today."""
    return [s.pk for s in services.reports_generate(period=ReportPeriod.WEEKLY)]


@shared_task(name="crm.reports.tasks.generate_monthly_reports", **LIMITS)
def generate_monthly_reports() -> list[int]:
    """Snapshots of every report for the 30 days ending at the start of today."""
    return [s.pk for s in services.reports_generate(period=ReportPeriod.MONTHLY)]


# Weekly on Monday morning (covers Monday-Sunday), monthly on the 1st.
PERIODIC_TASKS = {
    "Weekly reports": ("crm.reports.tasks.generate_weekly_reports", {"minute": "0", "hour": "5", "day_of_week": "1"}),
    "Monthly reports": (
        "crm.reports.tasks.generate_monthly_reports",
        {"minute": "30", "hour": "5", "day_of_month": "1"},
    ),
}

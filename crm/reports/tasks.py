"""Scheduled report runs. The scheduler passes no arguments, so each period has its own task. A run is a
ReportRun row made one report at a time (running.py): a worker that dies mid-run loses nothing that was
saved, and the sweep resumes the run from where it stopped."""

from celery import shared_task

from . import running
from .models import ReportPeriod

# Batch jobs over the whole ledger: more time than the default limits of interactive tasks. running.py's
# lease outlasts the hard limit.
LIMITS = {"soft_time_limit": 1800, "time_limit": 2100}


def _generate(period: str) -> list[int]:
    """Start the period's run and make it here, at once; if this worker dies the sweep resumes it."""
    run = running.report_run_start(period=period, queue=False)
    run = running.report_run_execute(run_id=run.pk)
    return list(run.snapshots.order_by("pk").values_list("pk", flat=True))


@shared_task(name="crm.reports.tasks.generate_weekly_reports", **LIMITS)
def generate_weekly_reports() -> list[int]:
    """Snapshots of every report for the 7 days ending at the start of today."""
    return _generate(ReportPeriod.WEEKLY)


@shared_task(name="crm.reports.tasks.generate_monthly_reports", **LIMITS)
def generate_monthly_reports() -> list[int]:
    """Snapshots of every report for the 30 days ending at the start of today."""
    return _generate(ReportPeriod.MONTHLY)


@shared_task(name="crm.reports.tasks.report_run", **LIMITS)
def report_run(*, run_id: int) -> None:
    """Run (or resume) a report run; a redelivered message finds it held or done and leaves."""
    running.report_run_execute(run_id=run_id)


@shared_task(name="crm.reports.run_sweep")
def run_sweep() -> int:
    """Every minute: queue a run for each report run whose worker stopped; fail those that keep stopping.
    Short (it only queues): its name keeps it off the bulk queue ("crm.reports.tasks.*"), the runs go there."""
    return len(running.report_runs_sweep())


# Weekly on Monday morning (covers Monday-Sunday), monthly on the 1st; the sweep every minute.
PERIODIC_TASKS = {
    "Weekly reports": ("crm.reports.tasks.generate_weekly_reports", {"minute": "0", "hour": "5", "day_of_week": "1"}),
    "Monthly reports": (
        "crm.reports.tasks.generate_monthly_reports",
        {"minute": "30", "hour": "5", "day_of_month": "1"},
    ),
    "Reports: resume stopped report runs": ("crm.reports.run_sweep", {"minute": "*"}),
}

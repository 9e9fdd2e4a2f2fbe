"""Demo: the client surveys after the seeded purchases and consultations (the satisfaction page's data), and
the current report snapshots from the seeded data (runs last), plus last week's for history. Each period is
made by a report run, as the scheduler makes it, so the runs page shows completed runs."""

from datetime import timedelta

from django.utils import timezone

from clients.surveys import demo as survey_demo

from . import running
from .models import ReportPeriod, ReportSnapshot


def seed(*, rng, stdout) -> None:
    survey_demo.seed(rng=rng, stdout=stdout)
    if ReportSnapshot.objects.exists():
        stdout.write("Reports: already generated.")
        return
    now = timezone.now()
    runs = []
    for period, as_of in (
        (ReportPeriod.WEEKLY, now - timedelta(days=7)),
        (ReportPeriod.WEEKLY, now),
        (ReportPeriod.MONTHLY, now),
    ):
        run = running.report_run_start(period=period, as_of=as_of, queue=False)
        runs.append(running.report_run_execute(run_id=run.pk))
    made = ReportSnapshot.objects.filter(run__in=runs)
    rows = sum(s.row_count for s in made)
    done = sum(1 for r in runs if r.status == r.Status.DONE)
    stdout.write(f"Reports: {len(runs)} report runs ({done} done), {made.count()} snapshots, {rows} rows.")

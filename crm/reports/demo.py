"""Demo: the current report snapshots from the seeded data (runs last), plus last week's for history."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import ReportPeriod, ReportSnapshot


def seed(*, rng, stdout) -> None:
    if ReportSnapshot.objects.exists():
        stdout.write("Reports: already generated.")
        return
    now = timezone.now()
    made = services.reports_generate(period=ReportPeriod.WEEKLY, as_of=now - timedelta(days=7))
    made += services.reports_generate(period=ReportPeriod.WEEKLY, as_of=now)
    made += services.reports_generate(period=ReportPeriod.MONTHLY, as_of=now)
    rows = sum(s.row_count for s in made)
    stdout.write(f"Reports: {len(made)} snapshots, {rows} rows.")

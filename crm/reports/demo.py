"""Demo: the client surveys after the seeded purchases and consultations (the satisfaction page's data), and
the current report snapshots from the seeded data (runs last), plus last week's for history."""

from datetime import timedelta

from django.utils import timezone

from clients.surveys import demo as survey_demo

from . import services
from .models import ReportPeriod, ReportSnapshot


def seed(*, rng, stdout) -> None:
    survey_demo.seed(rng=rng, stdout=stdout)
    if ReportSnapshot.objects.exists():
        stdout.write("Reports: already generated.")
        return
    now = timezone.now()
    made = services.reports_generate(period=ReportPeriod.WEEKLY, as_of=now - timedelta(days=7))
    made += services.reports_generate(period=ReportPeriod.WEEKLY, as_of=now)
    made += services.reports_generate(period=ReportPeriod.MONTHLY, as_of=now)
    rows = sum(s.row_count for s in made)
    stdout.write(f"Reports: {len(made)} snapshots, {rows} rows.")

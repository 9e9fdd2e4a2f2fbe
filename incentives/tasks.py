from celery import shared_task

from . import periods, services
from .models import PeriodClose

PERIODIC_TASKS = {
    "Close ended incentive periods": ("incentives.close_ended_periods", {"minute": "30", "hour": "0"}),
}


@shared_task(name="incentives.close_ended_periods")
def close_ended_periods() -> list[str]:
    """Daily: close the previous month and quarter once they have ended (idempotent)."""
    closed = []
    for kind in (periods.MONTH, periods.QUARTER):
        period = periods.current(kind).previous()
        if not PeriodClose.objects.filter(period=str(period)).exists():
            services.period_close(period=period)
            closed.append(str(period))
    return closed

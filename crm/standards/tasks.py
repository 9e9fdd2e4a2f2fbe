"""Celery entry points of the service record: detection (every 15 minutes), the daily digest to managers and
the weekly one to administrators. They call the services in failures.py."""

from celery import shared_task

PERIODIC_TASKS = {
    "Service record: record new failures": ("standards.failures_detect", {"minute": "*/15"}),
    "Service record: daily digest to managers": ("standards.failures_daily_digest", {"minute": "30", "hour": "7"}),
    "Service record: weekly digest to administrators": (
        "standards.failures_weekly_digest",
        {"minute": "0", "hour": "8", "day_of_week": "1"},
    ),
}


@shared_task(name="standards.failures_detect")
def failures_detect() -> int:
    from .failures import failures_detect

    return len(failures_detect())


@shared_task(name="standards.failures_daily_digest")
def failures_daily_digest() -> int:
    from .failures import failures_daily_digest as digest

    return digest()


@shared_task(name="standards.failures_weekly_digest")
def failures_weekly_digest() -> int:
    from .failures import failures_weekly_digest as digest

    return digest()

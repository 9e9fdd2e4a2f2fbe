"""Celery entry points: escalate breached clocks; remind staff to acknowledge standard documents."""

from celery import shared_task

from crm.standards import services as standard_services

from . import services

PERIODIC_TASKS = {
    "Escalate complaint breaches": ("complaints.escalate_breaches", {"minute": "*/10"}),
    "Remind staff to acknowledge service standards": (
        "complaints.remind_acknowledgements",
        {"minute": "0", "hour": "8", "day_of_week": "1"},
    ),
}


@shared_task(name="complaints.escalate_breaches")
def escalate_breaches() -> int:
    return services.escalate_breaches()


@shared_task(name="complaints.remind_acknowledgements")
def remind_acknowledgements() -> int:
    return standard_services.remind_unacknowledged()

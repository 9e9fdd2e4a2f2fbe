from celery import shared_task

PERIODIC_TASKS = {
    "Remind teams of internal requests due soon or overdue": (
        "crm.internal_requests.tasks.remind_requests",
        {"minute": "*/15"},
    ),
}


@shared_task(name="crm.internal_requests.tasks.remind_requests")
def remind_requests() -> int:
    from . import services

    return services.requests_remind()

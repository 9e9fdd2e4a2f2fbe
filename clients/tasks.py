"""Celery entry points: take ids, reload, call a service."""

from celery import shared_task

PERIODIC_TASKS = {
    "Remind of overdue promises to clients": ("clients.remind_overdue_promises", {"minute": "0", "hour": "7"}),
}


@shared_task(name="clients.remind_overdue_promises")
def remind_overdue_promises() -> int:
    from .services import promise_remind_overdue

    return promise_remind_overdue()


@shared_task(name="clients.import_run")
def import_run(*, job_id: int) -> None:
    from .importing import import_job_run

    import_job_run(job_id=job_id)

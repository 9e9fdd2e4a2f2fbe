"""Celery entry points: take ids, reload, call a service."""

from celery import shared_task

PERIODIC_TASKS = {
    "Remind of overdue promises to clients": ("clients.remind_overdue_promises", {"minute": "0", "hour": "7"}),
    "Notifications: start scheduled news": ("crm.notifications.tasks.news_start_due", {"minute": "*"}),
    "Client imports: resume stopped imports": ("clients.import_sweep", {"minute": "*"}),
    "Personal data: retention (import rows, message bodies, logs)": (
        "clients.personal_data_retention",
        {"minute": "30", "hour": "3"},
    ),
}


@shared_task(name="clients.remind_overdue_promises")
def remind_overdue_promises() -> int:
    from .services import promise_remind_overdue

    return promise_remind_overdue()


@shared_task(name="clients.personal_data_retention")
def personal_data_retention() -> dict:
    """Every night: purge what the RETENTION_* settings say has been kept long enough (audited)."""
    from .services.retention import retention_run

    return retention_run().counts


@shared_task(name="clients.import_run")
def import_run(*, job_id: int) -> None:
    """Run (or resume) an import; a redelivered message finds the job held or done and leaves."""
    from .import_running import import_job_run

    import_job_run(job_id=job_id)


@shared_task(name="clients.import_sweep")
def import_sweep() -> int:
    """Every minute: queue a run for each import whose worker stopped; fail those that keep stopping.
    Short (it only queues): it stays on the default queue, the runs go to the bulk queue."""
    from .import_running import import_jobs_sweep

    return len(import_jobs_sweep())


# Company news (clients/news.py). The task names are those the news had when it lived in the outbox: beat
# schedules and queued messages written before the move keep working.


@shared_task(name="crm.notifications.tasks.news_start_due")
def news_start_due() -> int:
    """Every minute: start the news whose time has come, and resume any whose next batch was lost."""
    from . import news

    news.news_resume_stalled()
    return len(news.news_start_due())


@shared_task(name="crm.notifications.tasks.news_start")
def news_start(news_id: int) -> bool:
    from . import news

    return news.news_start(news_id=news_id)


@shared_task(name="crm.notifications.tasks.news_send_batch")
def news_send_batch(news_id: int) -> int:
    from . import news

    return news.news_send_batch(news_id=news_id)

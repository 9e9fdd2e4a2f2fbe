from celery import shared_task
from django.utils import timezone

# Periodic jobs of this app: name -> (task, crontab fields). `manage.py setup_schedules` writes them.
PERIODIC_TASKS = {
    "Notifications: relay the outbox": ("crm.notifications.tasks.relay_outbox", {"minute": "*"}),
}


def _same_queue(task) -> dict:
    """Follow-up work goes to the queue this task came from (tests run a worker on its own queue)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue and not task.request.is_eager else {}


@shared_task(bind=True, name="crm.notifications.tasks.relay_outbox")
def relay_outbox(self, limit: int = 100) -> int:
    """Deliver due outbox rows. A full batch asks for another run at once; rows put back for a retry get a
    run at their backoff time (the every-minute schedule also finds them if this message is lost)."""
    from . import delivery

    result = delivery.relay_pending(limit=limit)
    if result.claimed >= limit:
        self.apply_async(kwargs={"limit": limit}, **_same_queue(self))
    elif result.next_retry_at is not None and not self.request.is_eager:
        countdown = max(0.0, (result.next_retry_at - timezone.now()).total_seconds())
        self.apply_async(kwargs={"limit": limit}, countdown=countdown + 0.05, **_same_queue(self))
    return result.sent

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

# Beyond this the every-minute schedule runs the relay anyway (and broker visibility timeouts stay far away).
MAX_COUNTDOWN_SECONDS = 60

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
    """Deliver due outbox rows. A full batch asks for another run at once; a retry due within the minute gets
    a run at its backoff time. Later retries are left to the every-minute schedule: a countdown of hours would
    outlive the broker's visibility timeout and be delivered twice."""
    from . import delivery, services

    cache.delete(services.RELAY_KICK_KEY)  # kicks from now on queue a new run (see services.relay_kick)
    result = delivery.relay_pending(limit=limit)
    if result.claimed >= limit:
        self.apply_async(kwargs={"limit": limit}, **_same_queue(self))
    elif result.next_retry_at is not None and not self.request.is_eager:
        countdown = max(0.0, (result.next_retry_at - timezone.now()).total_seconds())
        if countdown < MAX_COUNTDOWN_SECONDS:
            self.apply_async(kwargs={"limit": limit}, countdown=countdown + 0.05, **_same_queue(self))
    return result.sent

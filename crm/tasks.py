import socket

from celery import shared_task
from django.utils import timezone

from .api.idempotency import purge_expired
from .models import WorkerHeartbeat


@shared_task(name="crm.tasks.record_worker_heartbeat")
def record_worker_heartbeat(worker: str | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker=worker or socket.gethostname(), defaults={"seen_at": timezone.now()}
    )


# Periodic jobs of this part: name -> (task, crontab fields). See crm/registry.py.
@shared_task(name="crm.tasks.idempotency_purge")
def idempotency_purge() -> int:
    return purge_expired()


PERIODIC_TASKS = {
    "Worker heartbeat": ("crm.tasks.record_worker_heartbeat", {"minute": "*"}),
    "Forget old idempotency answers": ("crm.tasks.idempotency_purge", {"minute": "17", "hour": "3"}),
}

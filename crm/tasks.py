import socket

from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="crm.tasks.record_worker_heartbeat")
def record_worker_heartbeat(worker: str | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker=worker or socket.gethostname(), defaults={"seen_at": timezone.now()}
    )


# Periodic jobs of this part: name -> (task, crontab fields). See crm/registry.py.
PERIODIC_TASKS = {
    "Worker heartbeat": ("crm.tasks.record_worker_heartbeat", {"minute": "*"}),
}

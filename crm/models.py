from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by a periodic task, so /healthz can tell whether workers and the scheduler are alive."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"

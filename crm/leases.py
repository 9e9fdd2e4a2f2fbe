"""What the resumable jobs (client imports, report runs) share about their leases and their sweeps."""

import os
import socket
import uuid
from datetime import datetime, timedelta

from django.db.models import Q


def lease_owner() -> str:
    """Names the holder of a job's lease: the host and process (for whoever reads the job) and a nonce, so no
    two runs share it, not even two runs in one process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}/{uuid.uuid4().hex[:12]}"


def no_live_lease(now: datetime) -> Q:
    """No run holds the job: it never had a lease, or its lease ran out."""
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


def not_queued_lately(now: datetime, requeue_after: timedelta) -> Q:
    """No run was queued for the job within `requeue_after` (a queued run may still be on its way)."""
    return Q(queued_at__isnull=True) | Q(queued_at__lte=now - requeue_after)

"""What the resumable jobs (client imports, report runs) share about their leases."""

import os
import socket
import uuid


def lease_owner() -> str:
    """Names the holder of a job's lease: the host and process (for whoever reads the job) and a nonce, so no
    two runs share it, not even two runs in one process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}/{uuid.uuid4().hex[:12]}"

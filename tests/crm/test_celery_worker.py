"""A real Celery worker over Redis: the task crosses the broker and its effect lands in the database.
Runs whenever the broker is Redis (always in CI)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from crm.celery import app
from crm.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]

needs_redis = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://..."
)


def _database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def real_worker(transactional_db):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:", ":memory:")):
        pytest.skip("the worker process cannot share an in-memory SQLite database")
    queue = f"test-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "crm.settings.development",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        proc.wait(timeout=20)
        connection.close()


@needs_redis
@pytest.mark.celery_worker
def test_task_goes_through_redis_to_a_real_worker(real_worker):
    from crm.tasks import record_worker_heartbeat

    record_worker_heartbeat.apply_async(kwargs={"worker": "through-redis"}, queue=real_worker)
    deadline = time.time() + 60
    while time.time() < deadline:
        if WorkerHeartbeat.objects.filter(worker="through-redis").exists():
            break
        time.sleep(0.3)
    assert WorkerHeartbeat.objects.filter(worker="through-redis").exists()

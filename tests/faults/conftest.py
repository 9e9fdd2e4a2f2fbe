"""Fault tests run real processes (Celery workers, a web server, a Redis of their own) against the PostgreSQL
test database. On SQLite they skip; every child is killed when its test ends, pass or fail."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.faults import harness

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
# The brokers these tests use are private redis-servers; the suite's own CELERY_BROKER_URL says Redis is
# part of this run (CI), and the binary must be there to start our own.
needs_redis = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://")
    or (not harness.redis_server_available() and not os.environ.get("CI")),
    reason="needs CELERY_BROKER_URL=redis://... and redis-server",
)
# The marks of a test with real Celery workers on PostgreSQL and a Redis of its own.
WORKERS_ON_REDIS = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    needs_postgres,
    needs_redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def processes():
    """Start children through `processes(Process(...))`: all are killed (SIGKILL to the group) at the end."""
    started: list[harness.Process] = []

    def start(process: harness.Process) -> harness.Process:
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def private_redis(tmp_path):
    if not harness.redis_server_available():
        pytest.fail("redis-server is not installed (CI needs it for the fault tests)")
    redis = harness.PrivateRedis(tmp_path / "redis")
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture
def database_proxy():
    proxy = harness.TcpProxy(harness.database_address()).start()
    yield proxy
    proxy.close()

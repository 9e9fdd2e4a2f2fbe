"""PostgreSQL (+ Redis) only: SKIP LOCKED between relays, and a real Celery worker delivering the outbox."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction

from clients import messaging
from crm.celery import app
from crm.notifications import delivery, services, tasks
from crm.notifications.models import Notification
from tests.factories import ClientFactory

ROOT = Path(__file__).resolve().parents[2]

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://...)"
)
needs_redis = pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://..."
)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_relay_skips_rows_another_relay_has_locked():
    clients = [ClientFactory() for _ in range(3)]
    with mock.patch.object(services, "relay_kick"):  # no eager relay: the rows stay pending
        rows = [
            messaging.notification_enqueue_for_client(client=c, event="news", dedup_key=f"n:{c.pk}") for c in clients
        ]
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        with transaction.atomic():
            list(Notification.objects.select_for_update().filter(pk__in=[rows[0].pk, rows[1].pk]))
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(10)
        claimed = [pk for pk, _ in delivery.claim_due()]
    finally:
        release.set()
        thread.join()
    assert claimed == [rows[2].pk]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(predicate, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


@pytest.mark.postgres
@pytest.mark.celery_worker
@needs_postgres
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_worker_started_later_delivers_each_once_and_gives_up_on_failing_channel(tmp_path, notification_settings):
    email_dir, sms_dir = tmp_path / "mail", tmp_path / "sms"
    dead_url = "http://127.0.0.1:9/erp"  # nothing listens there: every webhook attempt raises
    notification_settings["ERP_WEBHOOK_URL"] = dead_url
    email_clients = [ClientFactory(preferred_channels=["email"]) for _ in range(3)]
    sms_clients = [ClientFactory(preferred_channels=["sms"]) for _ in range(2)]

    # Events happen while no worker runs, and the "deliver now" messages are lost on the way.
    with mock.patch.object(services, "relay_kick"):
        for client in email_clients + sms_clients:
            for _ in range(2):  # the same event twice: one row
                with transaction.atomic():
                    messaging.notification_enqueue_for_client(
                        client=client, event="tier_upgrade", dedup_key=f"tier:{client.pk}:gold", subject="Gold"
                    )
        services.notification_enqueue_for_erp(event="invoice_issued", dedup_key="inv:1", context={"invoice": 1})
    assert Notification.objects.filter(status="pending").count() == 6

    queue = f"test-notifications-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "crm.settings.development",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(email_dir),
        "NOTIFICATIONS_SMS_BACKEND": "file",
        "NOTIFICATIONS_SMS_FILE_DIR": str(sms_dir),
        "NOTIFICATIONS_ERP_WEBHOOK_URL": dead_url,
        "NOTIFICATIONS_MAX_ATTEMPTS": "3",
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.5",
        "NOTIFICATIONS_HTTP_TIMEOUT": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "-P", "solo", "-Q", queue, "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        # The periodic relay (beat) finds the rows whose messages were lost.
        tasks.relay_outbox.apply_async(queue=queue)
        webhook = Notification.objects.filter(channel="webhook")
        assert _wait_for(lambda: webhook.filter(status="failed").exists())
        assert _wait_for(lambda: Notification.objects.filter(status="sent").count() == 5)
        # Another relay run finds nothing left to send.
        tasks.relay_outbox.apply_async(queue=queue)
        time.sleep(2)
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        proc.wait(timeout=20)
        connection.close()

    # Django's file backend names a file by the second and the connection's id(), and appends: two messages
    # sent in the same second can share a file, each followed by a line of 79 dashes.
    separator = "-" * 79 + "\n"
    emails = [m for p in email_dir.iterdir() for m in p.read_text().split(separator) if m.strip()]
    assert len(emails) == 3
    for client in email_clients:
        assert sum(client.email in text for text in emails) == 1
    assert len(list(sms_dir.iterdir())) == 2
    failed = webhook.get()
    assert failed.attempts == 3
    assert "gave up after 3 attempts" in failed.last_error

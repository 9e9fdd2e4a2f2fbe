"""Fault: an SMTP server that accepts the connection and never answers. The send gives up after
EMAIL_TIMEOUT instead of holding the worker, the row is retried with backoff, and it goes out once the mail
server answers again."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients import messaging
from crm.notifications import delivery
from crm.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_smtp_server():
    """Accepts connections on a loopback port and never says a word (no SMTP greeting)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted, stop = [], threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)  # held open, never answered

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=2)
    for conn in accepted:
        conn.close()
    server.close()


def test_a_silent_smtp_server_times_out_and_the_message_is_retried_then_sent_once(
    settings, silent_smtp_server, make_client
):
    port, accepted = silent_smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    row = messaging.notification_enqueue_for_client(client=make_client(), event="survey_request", dedup_key="s:1")

    started = time.monotonic()
    result = delivery.relay_pending()
    took = time.monotonic() - started

    row.refresh_from_db()
    assert accepted, "the relay connected to the mail server"
    assert took < 10  # the timeout, not the task's time limit, ended the attempt
    assert result.retrying == 1 and result.sent == 0
    assert row.status == Notification.Status.PENDING and row.attempts == 1
    assert "timed out" in row.last_error.lower()
    assert row.next_attempt_at > timezone.now()

    # The mail server answers again; once the backoff has passed the row goes out, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.relay_pending().claimed == 0  # still waiting for its backoff
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert delivery.relay_pending().sent == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.attempts == 2
    assert len(mail.outbox) == 1


def test_the_default_settings_bound_every_smtp_call():
    from crm.settings import base

    assert 0 < base.EMAIL_TIMEOUT <= 60  # Django's default is None: a silent server would hold the worker

"""Fault: a worker is killed with SIGKILL in the middle of delivering a batch of outbox rows. Every message is
delivered, and none twice through the same channel for the same event.

How the outbox guarantees it (crm/notifications/delivery.py): the relay claims its batch in one short
transaction (rows become `sending` with a lease, `claimed_at`); a relay that dies leaves them `sending`, and once
the lease has run out the next relay claims them again, so nothing queued is lost. What the dead relay had
already marked `sent` is not sent again. The one message that can go out twice is the one in flight when
the worker died (the gateway accepted it, the worker never recorded it): it goes out again with the same
idempotency key, and a gateway that honours the key (as real SMS gateways do, and as the stub here does)
answers with the first message's id and sends nothing. The SMS reaches the client once.

The gateway stub holds the 4th request open, so the kill lands exactly while a message is with the gateway:
three rows are already sent, one is in flight, eight are claimed and not yet sent."""

import json
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.db.models import Max
from django.utils import timezone

from clients import messaging
from crm.notifications import services, tasks
from crm.notifications.models import Notification
from tests.factories import ClientFactory
from tests.faults import harness
from tests.faults.conftest import WORKERS_ON_REDIS

pytestmark = WORKERS_ON_REDIS

MESSAGES = 12
HELD_REQUEST = 4  # the worker is killed while the gateway holds this request
LEASE_SECONDS = 4


class SmsGateway:
    """An HTTP SMS gateway that honours Idempotency-Key: a repeat of a key it has accepted is answered with
    the first message's id and not sent again. It records every request, and holds request number `hold` open
    until released (after it has accepted that message: the worker dies before hearing back)."""

    def __init__(self, hold: int):
        self.hold = hold
        self.requests: list[str] = []  # Idempotency-Key of every request, in order
        self.sent: dict[str, dict] = {}  # what reached a phone: key -> first payload
        self.holding, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with gateway._lock:
                    gateway.requests.append(key)
                    number = len(gateway.requests)
                    gateway.sent.setdefault(key, payload)
                if number == gateway.hold:
                    gateway.holding.set()
                    gateway.release.wait(timeout=60)
                answer = json.dumps({"id": f"gw-{key}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the worker that asked is dead
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def gateway():
    stub = SmsGateway(hold=HELD_REQUEST)
    yield stub
    stub.close()


def _statuses() -> Counter:
    return Counter(Notification.objects.values_list("status", flat=True))


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path, gateway, private_redis, processes):
    clients = [ClientFactory(preferred_channels=["sms"]) for _ in range(MESSAGES)]
    with mock.patch.object(services, "relay_kick"):  # the relay runs when the test says so
        for client in clients:
            messaging.notification_enqueue_for_client(
                client=client, event="tier_upgrade", dedup_key=f"tier:{client.pk}:gold", subject="Gold", body="Gold!"
            )
    rows = list(Notification.objects.order_by("id"))
    assert len(rows) == MESSAGES and {r.channel for r in rows} == {"sms"}

    env = harness.worker_env(
        CELERY_BROKER_URL=private_redis.url,
        NOTIFICATIONS_SMS_BACKEND="http",
        NOTIFICATIONS_SMS_GATEWAY_URL=gateway.url,
        NOTIFICATIONS_HTTP_TIMEOUT="30",  # longer than the hold: the kill, not a timeout, ends the attempt
        NOTIFICATIONS_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    first = processes(harness.celery_worker(env=env, queues="celery", log_path=tmp_path / "worker-1.log"))
    with harness.celery_publishing_to(private_redis.url):
        tasks.relay_outbox.apply_async()
        harness.wait_for(gateway.holding.is_set, timeout=60, what="the 4th SMS to reach the gateway", detail=first.log)

        first.kill()  # SIGKILL while the 4th message is with the gateway
        gateway.release.set()
        assert _statuses() == {"sent": HELD_REQUEST - 1, "sending": MESSAGES - HELD_REQUEST + 1}
        held = gateway.requests[-1]

        # A fresh worker; once the dead relay's lease is over, the next relay run (the every-minute schedule
        # in production) claims what the dead one left.
        second = processes(harness.celery_worker(env=env, queues="celery", log_path=tmp_path / "worker-2.log"))
        lease_end = Notification.objects.aggregate(at=Max("claimed_at"))["at"] + timedelta(seconds=LEASE_SECONDS)
        harness.wait_for(lambda: timezone.now() > lease_end, timeout=LEASE_SECONDS + 5, what="the lease to run out")
        for _ in range(3):  # a relay that used half its lease hands rows back: run it again until all are sent
            tasks.relay_outbox.apply_async()
            try:
                harness.wait_for(lambda: _statuses() == {"sent": MESSAGES}, timeout=10, what="every row sent")
                break
            except AssertionError:
                second.assert_running()
        assert _statuses() == {"sent": MESSAGES}, (_statuses(), second.log())

    keys = {row.idempotency_key: row for row in Notification.objects.all()}
    # Every client got the message, once; one SMS per row's key.
    assert Counter(p["to"] for p in gateway.sent.values()) == {c.phone: 1 for c in clients}
    assert set(gateway.sent) == set(keys)
    # Exactly one request was repeated: the one in flight at the kill, with the same key, dropped by the gateway.
    repeats = {key: n for key, n in Counter(gateway.requests).items() if n > 1}
    assert repeats == {held: 2}
    assert len(gateway.requests) == MESSAGES + 1
    # Attempts: the three sent before the kill once; the in-flight one and the eight claimed but unsent twice.
    assert sorted(r.attempts for r in keys.values()) == [1] * (HELD_REQUEST - 1) + [2] * (MESSAGES - HELD_REQUEST + 1)
    assert keys[held].attempts == 2 and keys[held].provider_message_id == f"gw-{held}"

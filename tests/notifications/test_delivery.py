"""The relay: claims, channels, templates, consent at delivery time, retries with backoff, leases."""

import csv
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from clients import messaging
from clients import services as client_services
from clients.models import FollowUpTask
from crm import exports as crm_exports
from crm.notifications import channels, delivery, exports, services
from crm.notifications.models import MessageTemplate, Notification, PrintBatch

pytestmark = pytest.mark.django_db


def enqueue(client, event="tier_upgrade", key="k:1", **kwargs):
    kwargs.setdefault("subject", "Subject")
    kwargs.setdefault("body", "Body")
    return messaging.notification_enqueue_for_client(client=client, event=event, dedup_key=key, **kwargs)


def test_email_uses_the_event_template_rendered_with_the_row_context(make_client):
    MessageTemplate.objects.create(
        event="tier_upgrade",
        channel="email",
        subject="Welcome to {{ tier }}",
        body="Dear {{ client_name }}, {{ tier }}!",
    )
    client = make_client(name="Acme Ltd", email="acme@example.com")
    row = enqueue(client, context={"tier": "Gold"})
    result = delivery.relay_pending()
    assert result.sent == 1
    assert mail.outbox[0].subject == "Welcome to Gold"
    assert mail.outbox[0].body == "Dear Acme Ltd, Gold!"
    row.refresh_from_db()
    assert row.attempts == 1 and row.provider_message_id.startswith("<crm-notification-")


def test_template_for_any_channel_applies_when_none_for_the_channel(make_client):
    MessageTemplate.objects.create(event="tier_upgrade", channel="", subject="Any {{ tier }}", body="any")
    enqueue(make_client(), context={"tier": "Silver"})
    delivery.relay_pending()
    assert mail.outbox[0].subject == "Any Silver"


@pytest.mark.parametrize(
    "source",
    [
        '{% include "base.html" %}',
        "{% load static %}{% static 'x' %}",
        "{% extends 'base.html' %}",
        "{{ x|nofilter }}",
        "{% debug %}",
    ],
)
def test_template_is_sandboxed_and_a_broken_one_falls_back_to_the_row_text(make_client, source):
    MessageTemplate.objects.create(event="tier_upgrade", channel="email", subject="T", body=source)
    enqueue(make_client(), subject="Plain subject", body="Plain body")
    delivery.relay_pending()
    assert (mail.outbox[0].subject, mail.outbox[0].body) == ("Plain subject", "Plain body")


def test_sms_goes_through_the_file_backend_once_even_if_sent_twice(make_client, sms_dir):
    client = make_client(preferred_channels=["sms"], phone="+442079460001")
    row = enqueue(client, body="Your invoice is ready")
    delivery.relay_pending()
    files = list(sms_dir.iterdir())
    assert len(files) == 1
    assert json.loads(files[0].read_text())["to"] == "+442079460001"
    row.refresh_from_db()
    # A second send with the same idempotency key (a relay after a crash) writes nothing new.
    channels.FileSmsBackend().send(to=client.phone, text="again", idempotency_key=row.idempotency_key)
    assert len(list(sms_dir.iterdir())) == 1


def test_consent_withdrawn_after_queueing_is_honoured_at_delivery(make_client):
    client = make_client(preferred_channels=["email"])
    row = enqueue(client)
    client_services.consent_set(client=client, channel="email", status="opt_out", source="phone call")
    result = delivery.relay_pending()
    row.refresh_from_db()
    assert result.skipped == 1 and row.status == Notification.Status.SKIPPED
    assert "withdrew consent" in row.last_error
    assert mail.outbox == []


def _make_due(row):
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_failures_retry_with_exponential_backoff_then_fail_with_the_reason(make_client):
    row = enqueue(make_client())
    waits = []
    with mock.patch.object(channels, "send_email", side_effect=ConnectionError("smtp down")):
        for _ in range(3):
            before = timezone.now()
            delivery.relay_pending()
            row.refresh_from_db()
            if row.status == Notification.Status.PENDING:
                waits.append(round((row.next_attempt_at - before).total_seconds() / 60))
                _make_due(row)
    assert waits == [1, 2]  # 60 s, then 120 s
    assert row.status == Notification.Status.FAILED
    assert row.attempts == 3
    assert "gave up after 3 attempts" in row.last_error and "smtp down" in row.last_error


def test_row_waiting_for_backoff_is_not_relayed_early(make_client):
    row = enqueue(make_client())
    with mock.patch.object(channels, "send_email", side_effect=ConnectionError("down")):
        delivery.relay_pending()
    assert delivery.relay_pending().claimed == 0
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING


def test_permanent_error_fails_at_once(make_client):
    row = enqueue(make_client(email=""))
    delivery.relay_pending()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "no email address")


def test_manual_retry_gives_fresh_attempts_and_delivers(make_client, administrator):
    row = enqueue(make_client())
    Notification.objects.filter(pk=row.pk).update(status="failed", attempts=3, last_error="smtp down")
    services.notification_retry(notification=row, by=administrator)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert "retry requested by adm" in row.last_error
    delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


def test_only_failed_rows_can_be_retried(make_client):
    from crm.exceptions import ApplicationError

    row = enqueue(make_client(consent=[]))
    with pytest.raises(ApplicationError, match="Only failed notifications can be retried."):
        services.notification_retry(notification=row)
    row.refresh_from_db()
    assert row.status == "skipped"


def test_crashed_relay_rows_are_reclaimed_after_the_lease_and_sent_once(make_client, sms_dir):
    client = make_client(preferred_channels=["sms"])
    row = enqueue(client)
    claimed = delivery.claim_due()  # a relay claims the row ...
    assert [pk for pk, _ in claimed] == [row.pk]
    # ... hands it to the SMS provider, and dies before recording "sent".
    channels.FileSmsBackend().send(to=client.phone, text="Body", idempotency_key=row.idempotency_key)
    assert delivery.relay_pending().claimed == 0  # the lease still holds
    Notification.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(seconds=301))
    result = delivery.relay_pending()
    row.refresh_from_db()
    assert result.sent == 1 and row.status == "sent" and row.attempts == 2
    assert len(list(sms_dir.iterdir())) == 1  # the provider dropped the repeat: the client got it once


def test_outcome_of_a_relay_that_lost_its_claim_is_ignored(make_client):
    row = enqueue(make_client())
    [(pk, old_claim)] = delivery.claim_due()
    Notification.objects.filter(pk=pk).update(claimed_at=timezone.now())  # another relay took it over
    outcome, _ = delivery.deliver_claimed(pk, old_claim)
    assert outcome == "lost" and mail.outbox == []
    row.refresh_from_db()
    assert row.status == "sending"


def test_phone_channel_creates_one_call_task_for_the_permanent_manager(make_client, sales_manager):
    client = make_client(preferred_channels=["phone"], manager=sales_manager)
    row = enqueue(client, event="promise_reminder", subject="Promise due", body="Say: your order ships Monday.")
    delivery.relay_pending()
    row.refresh_from_db()
    task = FollowUpTask.objects.get()
    assert (task.assignee, task.kind, task.source) == (sales_manager, "call", f"notification:{row.pk}")
    assert task.details == "Say: your order ships Monday."
    assert row.status == "sent" and row.provider_message_id == f"task:{task.pk}"


def test_phone_channel_without_manager_fails_with_reason(make_client):
    row = enqueue(make_client(preferred_channels=["phone"]))
    delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == "failed" and "permanent manager" in row.last_error
    assert not FollowUpTask.objects.exists()


def test_letters_go_to_the_open_print_batch_with_pdf_and_mailing_list(make_client, administrator):
    a = make_client(preferred_channels=["letter"], name="=Evil <b>Co</b>", address="1 High St\nLeeds")
    b = make_client(preferred_channels=["letter"], name="Beta", address="2 Low Rd")
    enqueue(a, key="l:a", subject="Leaflet", body="Spring <offers> & more")
    enqueue(b, key="l:b", subject="Leaflet", body="Spring offers")
    delivery.relay_pending()
    batch = PrintBatch.objects.get()
    assert batch.notifications.filter(status="sent").count() == 2
    letters = batch.notifications.select_related("client").order_by("client__name")
    pdf = exports.print_batch_pdf(batch, letters)
    assert pdf.startswith(b"%PDF")
    rows = list(csv.reader(crm_exports.csv_lines(exports.MAILING_LIST_HEADER, exports.print_batch_rows(letters))))
    assert rows[0][2] == "name" and {r[2] for r in rows[1:]} == {"'=Evil <b>Co</b>", "Beta"}
    services.print_batch_close(batch=batch, by=administrator)
    enqueue(make_client(preferred_channels=["letter"], address="3 Mid Way"), key="l:c")
    delivery.relay_pending()
    assert PrintBatch.objects.count() == 2  # the next letter opened a new batch


class _Recorder(BaseHTTPRequestHandler):
    calls: list = []
    fail = False

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((self.path, dict(self.headers), body))
        self.send_response(500 if type(self).fail else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "gw-1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def http_receiver():
    _Recorder.calls, _Recorder.fail = [], False
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Recorder
    server.shutdown()


def test_erp_webhook_posts_signed_json_with_idempotency_key(notification_settings, http_receiver, make_client):
    url, recorder = http_receiver
    notification_settings["ERP_WEBHOOK_URL"] = url + "/erp"
    row = services.notification_enqueue_for_erp(event="invoice_issued", dedup_key="inv:9", context={"invoice": 9})
    assert row.status == "pending"
    delivery.relay_pending()
    [(path, headers, body)] = recorder.calls
    assert path == "/erp"
    assert headers["X-Crm-Signature"] == channels.webhook_signature(body, "s3cret")
    assert headers["X-Crm-Idempotency-Key"] == row.idempotency_key
    assert json.loads(body)["context"] == {"invoice": 9}
    row.refresh_from_db()
    assert row.status == "sent"


def test_webhook_removed_after_queueing_skips_the_row(notification_settings, http_receiver):
    notification_settings["ERP_WEBHOOK_URL"] = http_receiver[0]
    row = services.notification_enqueue_for_erp(event="invoice_issued", dedup_key="inv:10", context={})
    notification_settings["ERP_WEBHOOK_URL"] = ""
    delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == "skipped" and "not configured" in row.last_error


def test_http_sms_gateway_gets_token_and_idempotency_key(notification_settings, http_receiver, make_client):
    url, recorder = http_receiver
    notification_settings.update(SMS_BACKEND="http", SMS_GATEWAY_URL=url + "/sms", SMS_GATEWAY_TOKEN="tok")
    row = enqueue(make_client(preferred_channels=["sms"], phone="+442079460009"), body="Hello")
    delivery.relay_pending()
    [(_, headers, body)] = recorder.calls
    assert headers["Authorization"] == "Bearer tok"
    assert headers["Idempotency-Key"] == row.idempotency_key
    assert json.loads(body)["to"] == "+442079460009"
    row.refresh_from_db()
    assert row.provider_message_id == "gw-1"


def test_http_sms_gateway_error_is_retried(notification_settings, http_receiver, make_client):
    url, recorder = http_receiver
    recorder.fail = True
    notification_settings.update(SMS_BACKEND="http", SMS_GATEWAY_URL=url)
    row = enqueue(make_client(preferred_channels=["sms"]))
    result = delivery.relay_pending()
    row.refresh_from_db()
    assert result.retrying == 1 and row.status == "pending" and "500" in row.last_error


def test_relay_hands_back_rows_when_slow_sends_ate_half_the_lease(make_client, notification_settings):
    rows = [enqueue(make_client(), key=f"slow:{i}") for i in range(3)]
    clock = [timezone.now()]

    def slow_send(*args, **kwargs):
        clock[0] += timedelta(seconds=200)  # each send takes 200 s of a 300 s lease
        return "id"

    with (
        mock.patch.object(channels, "send_email", side_effect=slow_send),
        mock.patch.object(delivery.timezone, "now", side_effect=lambda: clock[0]),
    ):
        result = delivery.relay_pending()
    assert (result.claimed, result.sent) == (3, 1)
    statuses = sorted(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", "attempts"))
    assert statuses == [("pending", 0), ("pending", 0), ("sent", 1)]


def test_row_that_kills_its_relay_every_time_ends_failed(make_client):
    row = enqueue(make_client())
    for _ in range(3):  # three relays claim it and die
        delivery.claim_due()
        Notification.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(seconds=301))
    result = delivery.relay_pending()
    row.refresh_from_db()
    assert result.failed == 1 and row.status == "failed" and "relay stopped" in row.last_error
    assert mail.outbox == []

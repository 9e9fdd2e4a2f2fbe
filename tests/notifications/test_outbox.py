"""Writing to the outbox: same transaction as the event, channel by preference and consent, dedup."""

import pytest
from django.core import mail
from django.db import transaction

from clients import messaging
from clients import services as client_services
from crm.notifications import services
from crm.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_rolled_back_event_leaves_no_outbox_row(make_client):
    client = make_client()
    with pytest.raises(RuntimeError), transaction.atomic():
        messaging.notification_enqueue_for_client(client=client, event="tier_upgrade", dedup_key="t:1", subject="Hi")
        assert Notification.objects.count() == 1
        raise RuntimeError("the event failed")
    assert Notification.objects.count() == 0


def test_channel_is_first_preferred_channel_with_consent(make_client):
    client = make_client(preferred_channels=["sms", "letter", "email"], consent=["email", "letter"])
    row = messaging.notification_enqueue_for_client(client=client, event="survey_request", dedup_key="s:1")
    assert row.channel == "letter"
    assert row.status == Notification.Status.PENDING


def test_opted_out_channel_is_never_chosen(make_client):
    client = make_client(preferred_channels=["sms", "email"], consent=["sms", "email"])
    client_services.consent_set(client=client, channel="sms", status="opt_out", source="phone call")
    row = messaging.notification_enqueue_for_client(client=client, event="complaint_ack", dedup_key="c:1")
    assert row.channel == "email"


def test_client_without_consent_gets_skipped_row_saying_so(make_client):
    client = make_client(preferred_channels=["email", "sms"], consent=[])
    row = messaging.notification_enqueue_for_client(client=client, event="invoice_issued", dedup_key="i:1")
    assert (row.channel, row.status) == ("none", "skipped")
    assert "no consented channel" in row.last_error


def test_explicit_channel_without_consent_is_skipped(make_client):
    client = make_client(preferred_channels=["email"])
    row = messaging.notification_enqueue_for_client(client=client, event="news", dedup_key="n:1", channel="sms")
    assert row.status == Notification.Status.SKIPPED


def test_repeat_of_same_event_is_queued_once(make_client):
    client = make_client()
    first = messaging.notification_enqueue_for_client(client=client, event="tier_upgrade", dedup_key="t:2")
    again = messaging.notification_enqueue_for_client(client=client, event="tier_upgrade", dedup_key="t:2")
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def test_queued_row_is_delivered_after_commit(make_client, django_capture_on_commit_callbacks):
    client = make_client(email="buyer@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        row = messaging.notification_enqueue_for_client(
            client=client, event="tier_upgrade", dedup_key="t:3", subject="Gold", body="You reached gold."
        )
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [["buyer@example.com"]]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<crm-notification-{row.pk}-")


def test_staff_notification_is_in_inbox_and_emailed(sales_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = services.notification_enqueue_for_user(
            user=sales_manager, event="manager_reassigned", dedup_key="m:1", subject="New client", body="Acme"
        )
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.read_at is None
    assert mail.outbox[0].to == [sales_manager.email]


def test_erp_event_is_skipped_when_no_webhook_is_configured(make_client):
    row = services.notification_enqueue_for_erp(event="invoice_issued", dedup_key="inv:1", context={"invoice": 1})
    assert row.status == Notification.Status.SKIPPED
    assert "not configured" in row.last_error


def test_one_relay_kick_per_transaction(make_client, django_capture_on_commit_callbacks):
    clients = [make_client() for _ in range(3)]
    with django_capture_on_commit_callbacks() as callbacks:
        for client in clients:
            messaging.notification_enqueue_for_client(client=client, event="survey_request", dedup_key=f"s:{client.pk}")
    assert len(callbacks) == 1

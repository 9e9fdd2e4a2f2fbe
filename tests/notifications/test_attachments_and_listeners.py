"""What a higher app plugs into the outbox beyond channels: attachment producers (the file is rendered when the
message goes out) and delivery listeners (told each row's final outcome); and service messages, which go out
whatever the client's marketing opt-ins (purpose SERVICE) and stop only at a service opt-out."""

import pytest
from django.core import mail

from clients import messaging
from clients import services as client_services
from crm.notifications import delivery, registry
from crm.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(monkeypatch):
    """A producer and a listener for this test only."""
    heard = []
    monkeypatch.setitem(
        registry.attachment_producers,
        "test.note",
        lambda row: registry.Attachment(f"note-{row.context['n']}.txt", b"hello", "text/plain"),
    )
    monkeypatch.setattr(
        registry, "delivery_listeners", [lambda row: heard.append((row.pk, row.status, row.last_error))]
    )
    return heard


def enqueue(client, key="k:1", **kwargs):
    return messaging.notification_enqueue_for_client(
        client=client, event="test_event", dedup_key=key, subject="S", body="B", **kwargs
    )


def test_the_email_carries_the_attachment_rendered_at_delivery(make_client, hooks):
    row = enqueue(make_client(), attachment="test.note", context={"n": 7})
    assert row.attachment == "test.note"
    assert delivery.relay_pending().sent == 1
    [message] = mail.outbox
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("note-7.txt", "text/plain") and content in ("hello", b"hello")  # text is decoded
    assert hooks == [(row.pk, "sent", "")]


def test_an_unknown_attachment_producer_fails_the_row_and_the_listener_hears_why(make_client, hooks):
    row = enqueue(make_client(), attachment="nobody.registered")
    assert delivery.relay_pending().failed == 1
    assert mail.outbox == []
    assert hooks == [(row.pk, "failed", "no attachment producer 'nobody.registered'")]


def test_listeners_hear_skips_and_a_failing_listener_changes_nothing(make_client, hooks, monkeypatch):
    client = make_client(preferred_channels=["email"])
    row = enqueue(client)
    client_services.consent_set(client=client, channel="email", status="opt_out", source="phone call")

    def broken(row):
        raise RuntimeError("listener bug")

    registry.delivery_listeners.insert(0, broken)
    assert delivery.relay_pending().skipped == 1
    row.refresh_from_db()
    assert row.status == "skipped" and hooks == [(row.pk, "skipped", row.last_error)]


def test_a_service_message_reaches_a_client_who_opted_out_of_email(make_client):
    client = make_client(preferred_channels=["email"])
    client_services.consent_set(client=client, channel="email", status="opt_out", source="unsubscribe link")
    row = enqueue(client, purpose=messaging.SERVICE, channel="email")
    assert row.channel == "email" and row.status == Notification.Status.PENDING and row.purpose == "service"
    assert delivery.relay_pending().sent == 1
    assert mail.outbox[0].to == [client.email]


def test_a_service_message_without_an_address_is_skipped_with_the_reason(make_client):
    row = enqueue(make_client(email=""), purpose=messaging.SERVICE, channel="email")
    assert row.status == Notification.Status.SKIPPED and row.last_error == "client has no email address"
    row = enqueue(make_client(email="", preferred_channels=[]), key="k:2", purpose=messaging.SERVICE)
    assert row.status == Notification.Status.SKIPPED and row.last_error == "client has no email address"


def test_a_service_opt_out_stops_a_service_message_with_the_reason(make_client):
    client = make_client(preferred_channels=["email"])
    client_services.consent_set(
        client=client, channel="email", status="opt_out", source="letter", purpose=messaging.SERVICE
    )
    row = enqueue(client, purpose=messaging.SERVICE, channel="email")
    assert row.status == Notification.Status.SKIPPED
    assert row.last_error == "client opted out of service messages by email"


def test_an_ordinary_message_still_needs_consent(make_client):
    client = make_client(preferred_channels=["email"])
    client_services.consent_set(client=client, channel="email", status="opt_out", source="unsubscribe link")
    assert enqueue(client).status == Notification.Status.SKIPPED

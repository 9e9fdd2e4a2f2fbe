"""Webhook subscriptions: events emitted in their cause's transaction, signed per Standard Webhooks (with secret
rotation), retried, ordered per entity, logged, re-sent by an administrator, and unsubscribed by a 410."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from crm.notifications import delivery, webhooks
from crm.notifications.models import Notification, WebhookAttempt, WebhookEvent, WebhookSubscription

pytestmark = pytest.mark.django_db


class _Receiver(BaseHTTPRequestHandler):
    calls: list = []
    answers: list = []  # status codes to answer, in turn; 200 when empty

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(f"answer {status}".encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.calls, _Receiver.answers = [], []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver
    server.shutdown()


@pytest.fixture
def subscription(receiver, administrator):
    return webhooks.subscription_create(name="ERP", url=receiver[0], event_types=[], by=administrator)


def _relay_all():
    """Deliver everything due now, and what a deferral put back a few seconds later."""
    delivery.relay_pending()
    Notification.objects.filter(status=Notification.Status.PENDING).update(next_attempt_at=timezone.now())
    delivery.relay_pending()


# --- emitting -----------------------------------------------------------------------------------------------


def test_an_event_is_queued_once_per_wanting_subscription_in_the_cause_transaction(subscription, administrator):
    webhooks.subscription_create(
        name="shop", url="https://shop.example/h", event_types=["invoice.paid"], by=administrator
    )
    with transaction.atomic():
        made = webhooks.event_emit("client.created", entity="client:1", data={"id": 1})
    assert [e.subscription for e in made] == [subscription]
    assert WebhookEvent.objects.count() == 1 and Notification.objects.filter(channel="event").count() == 1


def test_no_event_when_the_cause_rolls_back(subscription):
    with pytest.raises(RuntimeError), transaction.atomic():
        webhooks.event_emit("client.created", entity="client:1", data={"id": 1})
        raise RuntimeError("the cause failed")
    assert not WebhookEvent.objects.exists() and not Notification.objects.exists()


def test_paused_subscriptions_get_nothing_and_unknown_types_are_a_bug(subscription):
    webhooks.subscription_update(subscription=subscription, is_active=False)
    assert webhooks.event_emit("client.created", entity="client:1", data={}) == []
    with pytest.raises(ValueError):
        webhooks.event_emit("client.exploded", entity="client:1", data={})


# --- delivering ---------------------------------------------------------------------------------------------


def test_delivery_is_signed_the_standard_webhooks_way(subscription, receiver):
    webhooks.event_emit("purchase.recorded", entity="purchase:7", data={"id": 7, "client": 3})
    delivery.relay_pending()
    [(headers, body)] = receiver[1].calls
    secret = subscription.secrets[0]["secret"]
    assert webhooks.verify(secret, headers, body)
    assert not webhooks.verify(webhooks.secret_new(), headers, body)
    assert not webhooks.verify(secret, headers, body + b" ")
    event = WebhookEvent.objects.get()
    assert headers["webhook-id"] == str(event.event_id)
    assert json.loads(body) == {
        "type": "purchase.recorded",
        "timestamp": event.payload["timestamp"],
        "data": {"id": 7, "client": 3},
    }
    # a stale timestamp is refused by the receiver's check
    assert not webhooks.verify(secret, headers, body, now=int(headers["webhook-timestamp"]) + 301)
    assert event.notification.__class__.objects.get(pk=event.notification_id).status == "sent"
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_rotated_secret_signs_beside_the_old_one_until_it_expires(subscription, receiver):
    old = subscription.secrets[0]["secret"]
    new = webhooks.subscription_rotate_secret(subscription=subscription)
    webhooks.event_emit("client.updated", entity="client:1", data={"id": 1})
    delivery.relay_pending()
    headers, body = receiver[1].calls[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert webhooks.verify(old, headers, body) and webhooks.verify(new, headers, body)
    # after the grace period only the new secret signs
    subscription.refresh_from_db()
    subscription.secrets = [
        {**e, "expires_at": (timezone.now() - timedelta(seconds=1)).isoformat()} if e["secret"] == old else e
        for e in subscription.secrets
    ]
    subscription.save()
    webhooks.event_emit("client.updated", entity="client:1", data={"id": 1})
    _relay_all()
    headers, body = receiver[1].calls[-1]
    assert webhooks.verify(new, headers, body) and not webhooks.verify(old, headers, body)


def test_failures_are_retried_with_backoff_and_logged(subscription, receiver):
    receiver[1].answers = [500, 503]
    webhooks.event_emit("invoice.issued", entity="invoice:4", data={"id": 4})
    delivery.relay_pending()
    row = Notification.objects.get(channel="event")
    assert row.status == "pending" and row.next_attempt_at > timezone.now() and "HTTP 500" in row.last_error
    for _ in range(2):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == "sent"
    assert list(WebhookAttempt.objects.order_by("id").values_list("status_code", "response_excerpt")) == [
        (500, "answer 500"),
        (503, "answer 503"),
        (200, "answer 200"),
    ]
    # the same event id on every attempt: the receiver can drop repeats
    assert len({h["webhook-id"] for h, _ in receiver[1].calls}) == 1


def test_events_of_one_entity_arrive_in_order(subscription, receiver):
    receiver[1].answers = [500]
    webhooks.event_emit("client.created", entity="client:9", data={"n": 1})
    webhooks.event_emit("client.updated", entity="client:9", data={"n": 2})
    webhooks.event_emit("client.created", entity="client:10", data={"n": 3})
    delivery.relay_pending()
    # the first failed, so the second waits; another entity is not held up
    sent = [json.loads(b)["data"]["n"] for _, b in receiver[1].calls]
    assert sent == [1, 3]
    second = WebhookEvent.objects.get(payload__data__n=2).notification
    assert second.status == "pending" and second.attempts == 0 and "earlier event" in second.last_error
    for _ in range(3):
        Notification.objects.filter(status="pending").update(next_attempt_at=timezone.now())
        delivery.relay_pending()
    assert [json.loads(b)["data"]["n"] for _, b in receiver[1].calls] == [1, 3, 1, 2]


def test_a_receiver_that_answers_410_unsubscribes_itself(subscription, receiver):
    receiver[1].answers = [410]
    webhooks.event_emit("complaint.opened", entity="complaint:1", data={"id": 1})
    delivery.relay_pending()
    subscription.refresh_from_db()
    assert not subscription.is_active and "410" in subscription.paused_reason
    assert Notification.objects.get(channel="event").status == "failed"
    assert webhooks.event_emit("complaint.opened", entity="complaint:2", data={"id": 2}) == []


def test_an_administrator_resends_a_failed_event(subscription, receiver, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAX_ATTEMPTS": 1}
    receiver[1].answers = [500]
    webhooks.event_emit("award.decided", entity="award:1", data={"id": 1})
    delivery.relay_pending()
    event = WebhookEvent.objects.get()
    assert event.notification.__class__.objects.get(pk=event.notification_id).status == "failed"
    webhooks.event_resend(event=event)
    delivery.relay_pending()
    assert Notification.objects.get(pk=event.notification_id).status == "sent"
    with pytest.raises(webhooks.ConflictError):
        webhooks.event_resend(event=event)


# --- API and pages ------------------------------------------------------------------------------------------


def test_api_manages_subscriptions(admin_api, receiver):
    bad = admin_api.post("/api/v1/webhooks/subscriptions/", {"name": "x", "url": "not a url", "event_types": ["nope"]})
    assert bad.status_code == 400 and {"url", "event_types"} <= bad.json().keys()
    made = admin_api.post(
        "/api/v1/webhooks/subscriptions/", {"name": "ERP", "url": receiver[0], "event_types": ["client.merged"]}
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    pk = made.json()["id"]
    listed = admin_api.get("/api/v1/webhooks/subscriptions/").json()["results"]
    assert listed[0]["secrets"][0]["hint"].endswith("…") and "secret" not in listed[0]
    rotated = admin_api.post(f"/api/v1/webhooks/subscriptions/{pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != made.json()["secret"]
    paused = admin_api.patch(f"/api/v1/webhooks/subscriptions/{pk}/", {"is_active": False})
    assert paused.status_code == 200 and paused.json()["paused_reason"]
    assert admin_api.get("/api/v1/webhooks/event-types/").json()["types"][0] == "client.created"


def test_api_lists_events_with_attempts_and_resends(admin_api, subscription, receiver, settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAX_ATTEMPTS": 1}
    receiver[1].answers = [500]
    webhooks.event_emit("invoice.voided", entity="invoice:2", data={"id": 2})
    delivery.relay_pending()
    failed = admin_api.get("/api/v1/webhooks/events/", {"status": "failed"}).json()["results"]
    assert [e["type"] for e in failed] == ["invoice.voided"] and failed[0]["attempts"][0]["status_code"] == 500
    resent = admin_api.post(f"/api/v1/webhooks/events/{failed[0]['id']}/resend/")
    assert resent.status_code == 200 and resent.json()["status"] == "pending"
    assert admin_api.post(f"/api/v1/webhooks/events/{failed[0]['id']}/resend/").status_code == 409


def test_other_roles_are_refused(sm_api, acc_api, sm_client, subscription):
    for api in (sm_api, acc_api):
        assert api.get("/api/v1/webhooks/subscriptions/").status_code == 403
        assert api.post("/api/v1/webhooks/subscriptions/", {"name": "x", "url": "https://x.example"}).status_code == 403
        assert api.post(f"/api/v1/webhooks/subscriptions/{subscription.pk}/rotate-secret/").status_code == 403
        assert api.get("/api/v1/webhooks/events/").status_code == 403
    assert sm_client.get("/notifications/webhooks/").status_code == 403
    assert sm_client.post(f"/notifications/webhooks/{subscription.pk}/rotate-secret/").status_code == 403


def test_pages_create_edit_rotate_and_show_failures(admin_client_role, receiver, settings):
    page = admin_client_role.post("/notifications/webhooks/", {"name": "", "url": "nope"})
    assert page.status_code == 200 and {"name", "url"} <= page.context["form"].errors.keys()
    made = admin_client_role.post(
        "/notifications/webhooks/",
        {"name": "ERP", "url": receiver[0], "event_types": ["client.created"], "is_active": "on"},
    )
    subscription = WebhookSubscription.objects.get()
    assert made.status_code == 302
    detail = admin_client_role.get(made["Location"])
    assert subscription.secrets[0]["secret"] in detail.content.decode()  # shown once
    assert subscription.secrets[0]["secret"] not in admin_client_role.get(made["Location"]).content.decode()
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAX_ATTEMPTS": 1}
    receiver[1].answers = [500]
    webhooks.event_emit("client.created", entity="client:5", data={"id": 5})
    delivery.relay_pending()
    listing = admin_client_role.get("/notifications/webhooks/")
    assert listing.context["rows"] == [(subscription, 1)]
    failed = admin_client_role.get(f"/notifications/webhooks/{subscription.pk}/?status=failed")
    assert "HTTP 500" in failed.content.decode()
    event = WebhookEvent.objects.get()
    assert admin_client_role.post(f"/notifications/webhooks/events/{event.pk}/resend/").status_code == 302
    assert Notification.objects.get(pk=event.notification_id).status == "pending"
    assert admin_client_role.post(f"/notifications/webhooks/{subscription.pk}/rotate-secret/").status_code == 302
    subscription.refresh_from_db()
    assert len(subscription.secrets) == 2
    edited = admin_client_role.post(
        f"/notifications/webhooks/{subscription.pk}/", {"name": "ERP 2", "url": receiver[0], "event_types": []}
    )
    assert edited.status_code == 302
    subscription.refresh_from_db()
    assert subscription.name == "ERP 2" and not subscription.is_active and subscription.event_types == []

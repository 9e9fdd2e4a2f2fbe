"""Domain events pushed to webhook subscribers, through the outbox.

Emitting: `event_emit(type, entity=..., data=...)` is called by the service that caused the event, inside its
transaction: one WebhookEvent and one outbox row per subscription that wants the type. If the cause rolls
back, so do they; nothing is sent for something that did not happen.

Delivering: the outbox relay claims the row like any other and calls `send_event`, which POSTs
`{"type", "timestamp", "data"}` signed the way the Standard Webhooks specification says
(https://www.standardwebhooks.com):

    webhook-id:        the event id (the same on every retry)
    webhook-timestamp: seconds since the epoch, of this attempt
    webhook-signature: "v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>", one per live secret,
                       separated by spaces; a secret is "whsec_" + base64 of its key bytes

Failures are retried by the outbox with exponential backoff (NOTIFICATIONS["MAX_ATTEMPTS"]); every attempt is
logged (WebhookAttempt) with the receiver's status and the start of its answer; an administrator sees the
failures and re-sends them. A receiver that answers 410 Gone is paused at once (unsubscribed itself).

Order: events of one entity (a client, an invoice ...) reach a subscriber in the order they happened: while an
earlier event of the same entity for the same subscription is still pending, a later one waits (Deferred,
a few seconds, no attempt counted). An earlier event that failed for good does not hold the later ones.

Secret rotation: `subscription_rotate_secret` puts a new secret first and lets the older ones expire after a
grace period (24 hours by default); until then each message carries both signatures, so the receiver can
switch at its own pace."""

import base64
import hashlib
import hmac
import json
import secrets as secrets_module
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from crm.exceptions import ApplicationError, ConflictError

from .channels import Deferred, PermanentError, conf
from .models import Notification, WebhookAttempt, WebhookEvent, WebhookSubscription
from .services import notification_enqueue, relay_kick

# The catalogue of event types a subscription may ask for. Apps emit these names.
EVENT_TYPES = (
    "client.created",
    "client.updated",
    "client.reassigned",
    "client.merged",
    "purchase.recorded",
    "purchase.returned",
    "tier.changed",
    "invoice.requested",
    "invoice.issued",
    "invoice.sent",
    "invoice.paid",
    "invoice.voided",
    "complaint.opened",
    "complaint.resolved",
    "complaint.reopened",
    "award.decided",
)
ORDER_WAIT_SECONDS = 5
ROTATION_GRACE = timedelta(hours=24)
RESPONSE_EXCERPT = 2000


# --- secrets and signatures ----------------------------------------------------------------------------------


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets_module.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks signature: "v1," + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: dict, body: bytes, *, tolerance: int = 300, now: int | None = None) -> bool:
    """What a receiver does (used by the tests and shown in the README): recompute the signature with its
    secret and compare it, in constant time, with each signature sent; refuse stale timestamps."""
    msg_id, stamp = headers["webhook-id"], int(headers["webhook-timestamp"])
    if abs((now or int(time.time())) - stamp) > tolerance:
        return False
    expected = sign(secret, msg_id, stamp, body)
    return any(hmac.compare_digest(expected, sent) for sent in headers["webhook-signature"].split(" "))


def live_secrets(subscription: WebhookSubscription, now=None) -> list[str]:
    now = now or timezone.now()
    live = []
    for entry in subscription.secrets:
        expires = parse_datetime(entry["expires_at"]) if entry.get("expires_at") else None
        if expires is None or expires > now:
            live.append(entry["secret"])
    return live


# --- subscriptions -------------------------------------------------------------------------------------------


def _clean_types(event_types) -> list[str]:
    event_types = list(dict.fromkeys(event_types or []))
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise ApplicationError(
            gettext("Unknown event type: %(join)s.") % {"join": ", ".join(unknown)}, field="event_types"
        )
    return event_types


@transaction.atomic
def subscription_create(*, name: str, url: str, event_types=(), by) -> WebhookSubscription:
    forget_subscriptions()
    return WebhookSubscription.objects.create(
        name=name.strip(),
        url=url,
        event_types=_clean_types(event_types),
        secrets=[{"secret": secret_new(), "created_at": timezone.now().isoformat(), "expires_at": None}],
        created_by=by,
    )


@transaction.atomic
def subscription_update(*, subscription: WebhookSubscription, **changes) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if "event_types" in changes:
        changes["event_types"] = _clean_types(changes["event_types"])
    if changes.get("is_active") and not subscription.is_active:
        changes.setdefault("paused_reason", "")
    if changes.get("is_active") is False and not changes.get("paused_reason"):
        changes["paused_reason"] = "paused by an administrator"
    for field, value in changes.items():
        setattr(subscription, field, value)
    subscription.save()
    forget_subscriptions()
    return subscription


@transaction.atomic
def subscription_rotate_secret(*, subscription: WebhookSubscription, grace=ROTATION_GRACE) -> str:
    """A new secret signs from now on; the current ones keep signing until `grace` has passed."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    now = timezone.now()
    ends = (now + grace).isoformat()
    kept = [
        {**entry, "expires_at": entry.get("expires_at") or ends}
        for entry in subscription.secrets
        if entry["secret"] in live_secrets(subscription, now)
    ]
    new = secret_new()
    subscription.secrets = [{"secret": new, "created_at": now.isoformat(), "expires_at": None}, *kept]
    subscription.save(update_fields=["secrets", "updated_at"])
    return new


# --- emitting ------------------------------------------------------------------------------------------------

SUBSCRIPTIONS_CACHE_KEY = "notifications:webhook-subscriptions:v1"
SUBSCRIPTIONS_CACHE_SECONDS = 60


def active_subscriptions() -> list[tuple[int, list[str]]]:
    """(id, event types) of the active subscriptions, from the cache: every ledger write asks, and most of the
    time the answer is "nobody". A change to a subscription forgets the cached list at once and again when it
    commits (see `forget_subscriptions`)."""
    found = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    if found is None:
        found = [
            (pk, types or [])
            for pk, types in WebhookSubscription.objects.filter(is_active=True).values_list("pk", "event_types")
        ]
        cache.set(SUBSCRIPTIONS_CACHE_KEY, found, SUBSCRIPTIONS_CACHE_SECONDS)
    return found


def forget_subscriptions() -> None:
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_CACHE_KEY))


def event_emit(event_type: str, *, entity: str, data: dict) -> list[WebhookEvent]:
    """Queue `event_type` for every active subscription that wants it, in the caller's transaction. `entity`
    ("client:12") orders deliveries; `data` is the JSON body's `data` (ids and the changed facts; the receiver
    reads the rest through the API)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    wanted = [pk for pk, types in active_subscriptions() if not types or event_type in types]
    if not wanted:
        return []
    subscriptions = list(WebhookSubscription.objects.filter(pk__in=wanted, is_active=True))
    now = timezone.now()
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    made = []
    for subscription in subscriptions:
        event = WebhookEvent(subscription=subscription, type=event_type, entity=entity[:80], payload=payload)
        row, _ = notification_enqueue(
            event=event_type,
            dedup_key=f"webhook-event:{event.event_id}",
            channel=Notification.Channel.EVENT,
            subject=f"{event_type} {entity}",
            context={"subscription": subscription.pk},
        )
        event.notification = row
        event.save()
        made.append(event)
    return made


# --- delivering ----------------------------------------------------------------------------------------------


def _earlier_pending(event: WebhookEvent) -> bool:
    return WebhookEvent.objects.filter(
        subscription_id=event.subscription_id,
        entity=event.entity,
        id__lt=event.id,
        notification__status__in=[Notification.Status.PENDING, Notification.Status.SENDING],
    ).exists()


def _post(url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=conf("HTTP_TIMEOUT")) as response:  # noqa: S310 - admin's URL
            return response.status, response.read(RESPONSE_EXCERPT)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(RESPONSE_EXCERPT) if exc.fp else b""


def send_event(row: Notification, subject: str, body: str) -> str:
    """The outbox sender for Channel.EVENT. Returns the event id; raises to have the outbox retry."""
    event = WebhookEvent.objects.select_related("subscription").get(notification=row)
    subscription = event.subscription
    if not subscription.is_active:
        raise PermanentError(f"subscription paused: {subscription.paused_reason or 'inactive'}")
    if _earlier_pending(event):
        raise Deferred(ORDER_WAIT_SECONDS, "an earlier event of this entity is still on its way")
    data = json.dumps(event.payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    msg_id, stamp = str(event.event_id), int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CRM-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": " ".join(sign(s, msg_id, stamp, data) for s in live_secrets(subscription)),
    }
    started = time.monotonic()
    status, answer, error = None, b"", ""
    try:
        status, answer = _post(subscription.url, data, headers)
    except Exception as exc:  # unreachable, timeout, TLS ...: logged, then retried by the outbox
        error = f"{exc.__class__.__name__}: {exc}"
    WebhookAttempt.objects.create(
        event=event,
        status_code=status,
        response_excerpt=answer.decode("utf-8", "replace"),
        error=error[:2000],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if status == 410:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            is_active=False, paused_reason="the receiver answered 410 Gone", updated_at=timezone.now()
        )
        forget_subscriptions()
        raise PermanentError("the receiver answered 410 Gone: subscription paused")
    if error:
        raise OSError(error)
    if status is None or not 200 <= status < 300:
        raise OSError(f"the receiver answered HTTP {status}")
    return msg_id


@transaction.atomic
def event_resend(*, event: WebhookEvent) -> WebhookEvent:
    """An administrator sends a failed (or skipped) event again: the same event id, a fresh set of attempts."""
    row = Notification.objects.select_for_update().get(pk=event.notification_id)
    if row.status not in (Notification.Status.FAILED, Notification.Status.SKIPPED):
        raise ConflictError(gettext("Only a failed event can be sent again."))
    if not WebhookSubscription.objects.filter(pk=event.subscription_id, is_active=True).exists():
        raise ConflictError(gettext("Resume the subscription first."))
    row.status, row.attempts, row.next_attempt_at, row.last_error = Notification.Status.PENDING, 0, timezone.now(), ""
    row.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "updated_at"])
    relay_kick()
    return event

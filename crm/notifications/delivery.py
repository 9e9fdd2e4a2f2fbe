"""Delivering outbox rows: the relay claims due rows, each row goes out on its channel, the outcome is
recorded with attempts, backoff and the last error.

What "exactly once per channel" means here
-------------------------------------------
A row is one message to one recipient on one channel for one event (`dedup_key` is unique, so the same
event cannot queue a second row for that channel). Delivery is at least once with a guard per row:

1. Claim: in a short transaction the relay locks due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` (two
   relays never take the same row), marks them ``sending`` with ``claimed_at`` (a lease) and counts the
   attempt. A relay that dies leaves its rows ``sending``; once the lease (NOTIFICATIONS["LEASE_SECONDS"])
   has run out another relay claims them again, so nothing queued is lost. A relay that has used half of
   its lease (slow providers) hands its remaining rows back instead of sending them late.
2. Local channels (phone call task, print batch, staff in-app) only write to our database: the write and
   the ``sent`` mark happen in ONE transaction with the row locked, so they happen exactly once.
3. External channels (email, SMS, ERP webhook) cannot join our transaction. The provider receives the
   row's idempotency key (``crm-notification-<id>-<created>``, the same on every retry): the SMS gateway and the ERP
   webhook get an ``Idempotency-Key`` header, the SMS file backend names its file by it, and email carries
   it as the Message-ID. The ``sent`` mark is only written by the relay that still holds the claim.

Limits: if a worker dies after the provider accepted a message but before ``sent`` was committed, the row
is sent again after the lease with the same key. Providers that honour the key (and the file backend)
drop the repeat, so the client gets it once; plain SMTP has no such key, so in that window an email can
arrive twice (mail clients may fold it by Message-ID). A lease shorter than a slow provider call can also
lead to a second attempt with the same key. Failures that the provider reports are retried with
exponential backoff until NOTIFICATIONS["MAX_ATTEMPTS"], then the row is ``failed`` with the reason and
waits for an administrator's retry."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels, registry, webhooks
from .channels import Deferred, PermanentError, Unavailable, conf
from .models import Notification
from .rendering import render_row

MAX_BACKOFF = timedelta(hours=6)


@dataclass
class RelayResult:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    next_retry_at: datetime | None = None

    def __int__(self):
        return self.sent


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base, 2x base, 4x base ... capped at six hours."""
    seconds = conf("RETRY_BASE_SECONDS") * (2 ** max(0, attempts - 1))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def claim_due(limit: int = 100, now: datetime | None = None) -> list[tuple[int, datetime]]:
    """Lock and claim due rows: pending ones whose time has come, and `sending` ones whose lease ran out."""
    now = now or timezone.now()
    lease_over = now - timedelta(seconds=conf("LEASE_SECONDS"))
    due = (
        Q(status=Notification.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Notification.Status.PENDING, next_attempt_at__isnull=True)
        | Q(status=Notification.Status.SENDING, claimed_at__lt=lease_over)
    )
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Notification.objects.filter(id__in=ids).update(
                status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
            )
    return [(pk, now) for pk in ids]


def relay_pending(limit: int = 100) -> RelayResult:
    """Deliver due rows. Rows are locked with SKIP LOCKED so parallel relays never share a row."""
    result = RelayResult()
    claimed = claim_due(limit)
    result.claimed = len(claimed)
    for index, (pk, claim) in enumerate(claimed):
        if timezone.now() - claim > timedelta(seconds=conf("LEASE_SECONDS") / 2):
            # Slow providers ate half the lease: hand the rest back rather than risk a second relay taking
            # them over while this one is still sending.
            release([p for p, _ in claimed[index:]], claim)
            break
        outcome, retry_at = deliver_claimed(pk, claim)
        if outcome == "retrying":
            result.retrying += 1
            if result.next_retry_at is None or retry_at < result.next_retry_at:
                result.next_retry_at = retry_at
        elif outcome != "lost":
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def release(pks: list[int], claim: datetime) -> int:
    """Put claimed rows back as pending, without counting an attempt."""
    return Notification.objects.filter(pk__in=pks, status=Notification.Status.SENDING, claimed_at=claim).update(
        status=Notification.Status.PENDING, claimed_at=None, attempts=F("attempts") - 1, updated_at=timezone.now()
    )


def _unavailable_reason(row: Notification) -> str:
    """Why this row must not go out now: the channel is not configured, or a check registered by the app
    that wrote it says so (a client who withdrew consent after the message was queued)."""
    if row.channel == Notification.Channel.NONE:
        return row.last_error or "no channel to deliver on"
    if row.channel == Notification.Channel.WEBHOOK and not channels.webhook_available():
        return "ERP webhook URL is not configured"
    return registry.skip_reason(row)


def _sender(row: Notification) -> registry.Sender:
    sender = registry.senders.get(row.channel)
    if sender is None:
        raise PermanentError(f"no sender for channel {row.channel!r}")
    return sender


def _send_staff(row: Notification, subject: str, body: str) -> str:
    """Staff rows are in the in-app inbox from the moment they are written; this is the email copy."""
    if not row.user.email:
        return "in-app"
    return channels.send_email(row, subject, body, to=row.user.email)


registry.register_channel(Notification.Channel.STAFF, _send_staff)
registry.register_channel(Notification.Channel.WEBHOOK, channels.send_webhook)
registry.register_channel(Notification.Channel.EVENT, webhooks.send_event)


def deliver_claimed(pk: int, claim: datetime) -> tuple[str, datetime | None]:
    """Deliver one claimed row; returns the outcome ("sent", "retrying", "failed", "skipped", "lost")."""
    row = Notification.objects.select_related("user").get(pk=pk)
    if row.status != Notification.Status.SENDING or row.claimed_at != claim:
        return "lost", None
    if row.attempts > conf("MAX_ATTEMPTS"):  # only reached through reclaims: a relay died on it each time
        error = f"gave up after {row.attempts - 1} attempts: the relay stopped while sending (crash or timeout)"
        _finish(row, claim, Notification.Status.FAILED, error=error)
        return "failed", None
    reason = _unavailable_reason(row)
    if reason:
        _finish(row, claim, Notification.Status.SKIPPED, error=reason)
        return "skipped", None
    try:
        sender = _sender(row)
        subject, body = render_row(row)
        if sender.local:
            return _deliver_local(pk, claim, sender, subject, body)
        provider_id = sender.send(row, subject, body)
    except Deferred as exc:
        retry_at = timezone.now() + timedelta(seconds=exc.seconds)
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING, claimed_at=claim).update(
            status=Notification.Status.PENDING,
            claimed_at=None,
            attempts=F("attempts") - 1,
            next_attempt_at=retry_at,
            last_error=str(exc),
            updated_at=timezone.now(),
        )
        return "retrying", retry_at
    except Unavailable as exc:
        _finish(row, claim, Notification.Status.SKIPPED, error=str(exc))
        return "skipped", None
    except PermanentError as exc:
        _finish(row, claim, Notification.Status.FAILED, error=str(exc))
        return "failed", None
    except Exception as exc:  # the provider said no or was unreachable: try again later
        return _retry_or_fail(row, claim, exc)
    _finish(row, claim, Notification.Status.SENT, provider_id=provider_id)
    return "sent", None


def _deliver_local(
    pk: int, claim: datetime, sender: registry.Sender, subject: str, body: str
) -> tuple[str, datetime | None]:
    """The channel's write and the `sent` mark commit together, with the row locked: exactly once."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=pk)
        if row.status != Notification.Status.SENDING or row.claimed_at != claim:
            return "lost", None
        provider_id = sender.send(row, subject, body)
        row.status = Notification.Status.SENT
        row.sent_at = timezone.now()
        row.provider_message_id = provider_id[:200]
        row.claimed_at = None
        row.last_error = ""
        row.save(
            update_fields=[
                "status", "sent_at", "provider_message_id", "claimed_at", "last_error",
                "print_batch", "subject", "body", "context", "updated_at",
            ]
        )  # fmt: skip
    _tell_listeners(row)
    return "sent", None


def _retry_or_fail(row: Notification, claim: datetime, exc: Exception) -> tuple[str, datetime | None]:
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    if row.attempts >= conf("MAX_ATTEMPTS"):
        _finish(row, claim, Notification.Status.FAILED, error=f"gave up after {row.attempts} attempts: {error}")
        return "failed", None
    retry_at = timezone.now() + backoff(row.attempts)
    _finish(row, claim, Notification.Status.PENDING, error=error, next_attempt_at=retry_at)
    return "retrying", retry_at


def _finish(row, claim, status, *, error: str = "", provider_id: str = "", next_attempt_at=None) -> bool:
    """Record the outcome, only if this relay still holds the claim (a newer claim wins)."""
    now = timezone.now()
    fields = {"status": status, "claimed_at": None, "updated_at": now, "last_error": error}
    if status == Notification.Status.SENT:
        fields.update(sent_at=now, provider_message_id=provider_id[:200])
    if next_attempt_at is not None:
        fields["next_attempt_at"] = next_attempt_at
    won = bool(
        Notification.objects.filter(pk=row.pk, status=Notification.Status.SENDING, claimed_at=claim).update(**fields)
    )
    if won and status in FINAL:
        row.status, row.last_error = status, error
        row.sent_at = fields.get("sent_at", row.sent_at)
        _tell_listeners(row)
    return won


FINAL = (Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.SKIPPED)


def _tell_listeners(row: Notification) -> None:
    """The app that queued the row learns its final outcome (registry.delivered), right after the outcome was
    written: committed already, as the relay runs outside any transaction (inside one, as in tests, the
    listener's writes share its fate)."""
    registry.delivered(row)

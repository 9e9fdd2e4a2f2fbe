"""Writing notifications to the outbox. Call these inside the transaction of the event that causes them.
Delivery (workers, retries, templates per channel) is the job of crm.notifications.delivery."""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ApplicationError

from . import channels as channel_backends
from . import rendering
from .models import MessageTemplate, Notification, PrintBatch

CLIENT_CHANNELS = ["email", "sms", "phone", "letter"]
UNSUBSCRIBE_SALT = "crm.notifications.unsubscribe"


def choose_channel(client) -> str:
    """The first of the client's preferred channels that has an opt-in; NONE when there is none."""
    opted_in = {c.channel for c in client.consents.all() if c.status == "opt_in"}
    for channel in client.preferred_channels or []:
        if channel in opted_in:
            return channel
    return Notification.Channel.NONE


def notification_enqueue_for_client(
    *,
    client,
    event: str,
    dedup_key: str,
    subject: str = "",
    body: str = "",
    context: dict | None = None,
    channel: str | None = None,
) -> Notification:
    """Queue a message to a client on their preferred consented channel (or `channel`, if consented).
    A client with no consented channel gets a SKIPPED row, so the event shows that nobody was told."""
    chosen = choose_channel(client) if channel is None else channel
    if channel is not None and not client.consents.filter(channel=channel, status="opt_in").exists():
        chosen = Notification.Channel.NONE
    status = Notification.Status.SKIPPED if chosen == Notification.Channel.NONE else Notification.Status.PENDING
    notification, created = Notification.objects.get_or_create(
        dedup_key=f"{dedup_key}:{chosen}",
        defaults={
            "event": event,
            "client": client,
            "channel": chosen,
            "status": status,
            "subject": subject,
            "body": body,
            "context": context or {},
            "next_attempt_at": timezone.now(),
            "last_error": "client has no consented channel" if status == Notification.Status.SKIPPED else "",
        },
    )
    if created and status == Notification.Status.PENDING:
        _kick_relay()
    return notification


def notification_enqueue_for_user(
    *, user, event: str, dedup_key: str, subject: str, body: str = "", context: dict | None = None
) -> Notification:
    """Queue a message to a staff member (shown in the app and emailed)."""
    notification, created = Notification.objects.get_or_create(
        dedup_key=f"{dedup_key}:staff:{user.pk}",
        defaults={
            "event": event,
            "user": user,
            "channel": Notification.Channel.STAFF,
            "subject": subject,
            "body": body,
            "context": context or {},
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        _kick_relay()
    return notification


def notification_enqueue_for_erp(
    *, event: str, dedup_key: str, context: dict, client=None, subject: str = "", body: str = ""
) -> Notification:
    """Queue an event for the ERP webhook. Without a configured URL the channel is unavailable: the row is
    SKIPPED with that reason."""
    available = channel_backends.webhook_available()
    notification, created = Notification.objects.get_or_create(
        dedup_key=f"{dedup_key}:webhook",
        defaults={
            "event": event,
            "client": client,
            "channel": Notification.Channel.WEBHOOK,
            "status": Notification.Status.PENDING if available else Notification.Status.SKIPPED,
            "subject": subject,
            "body": body,
            "context": context,
            "next_attempt_at": timezone.now(),
            "last_error": "" if available else "ERP webhook URL is not configured",
        },
    )
    if created and available:
        _kick_relay()
    return notification


def _kick_relay() -> None:
    """Ask a worker to deliver soon, after commit. If the message is lost, the periodic relay finds the row.
    One kick per transaction is enough: an event that queues a hundred rows sends one message."""
    from . import tasks

    connection = transaction.get_connection()
    pending = getattr(connection, "run_on_commit", None) or []
    if connection.in_atomic_block and any(getattr(entry[1], "_relay_kick", False) for entry in pending):
        return

    def kick():
        tasks.relay_outbox.delay()

    kick._relay_kick = True
    transaction.on_commit(kick, robust=True)


# --- administrators: retry, templates, print batches -------------------------------------------------------


@transaction.atomic
def notification_retry(*, notification: Notification, by=None) -> Notification:
    """Give a failed notification a fresh set of attempts. Skipped ones (no consent) are never retried."""
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.status != Notification.Status.FAILED:
        raise ApplicationError("Only failed notifications can be retried.", field="status")
    who = getattr(by, "username", None) or "system"
    row.status = Notification.Status.PENDING
    row.attempts = 0
    row.next_attempt_at = timezone.now()
    row.claimed_at = None
    row.last_error = f"retry requested by {who}; before: {row.last_error}"[:2000]
    row.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "last_error", "updated_at"])
    _kick_relay()
    return row


def _check_template(source: str, field: str) -> None:
    try:
        rendering.validate(source)
    except rendering.TemplateSyntaxError as exc:
        raise ApplicationError(f"Template error: {exc}", field=field)


@transaction.atomic
def message_template_save(
    *,
    event: str,
    channel: str,
    subject: str,
    body: str,
    is_active: bool = True,
    template: MessageTemplate | None = None,
    by=None,
) -> MessageTemplate:
    """Create or change the template of an event on a channel (blank channel: every channel)."""
    event = (event or "").strip()
    if not event:
        raise ApplicationError("Name the event.", field="event")
    if channel and channel not in Notification.Channel.values:
        raise ApplicationError(f"Unknown channel {channel!r}.", field="channel")
    if not (body or "").strip():
        raise ApplicationError("A template needs a body.", field="body")
    _check_template(subject or "", "subject")
    _check_template(body, "body")
    clash = MessageTemplate.objects.filter(event=event, channel=channel or "")
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ApplicationError("There is already a template for this event and channel.", field="channel")
    template = template or MessageTemplate()
    template.event, template.channel = event, channel or ""
    template.subject, template.body, template.is_active = subject or "", body, is_active
    template.updated_by = by
    template.save()
    return template


@transaction.atomic
def print_batch_close(*, batch: PrintBatch, by=None) -> PrintBatch:
    """Close the batch for printing; the next letter opens a new one."""
    batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PrintBatch.Status.OPEN:
        raise ApplicationError("This batch is already closed.", field="status")
    batch.status = PrintBatch.Status.CLOSED
    batch.closed_at = timezone.now()
    batch.closed_by = by
    batch.save(update_fields=["status", "closed_at", "closed_by"])
    return batch


# --- staff inbox -------------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.user_id != user.pk:
        raise ApplicationError("This is not your notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    now = timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now, updated_at=now)


# --- unsubscribe links -------------------------------------------------------------------------------------


def unsubscribe_token(*, client_id: int, channel: str) -> str:
    return signing.dumps({"c": client_id, "ch": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, client_id: int, channel: str) -> str:
    from django.conf import settings

    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(client_id=client_id, channel=channel)])
    return settings.NOTIFICATIONS["SITE_URL"].rstrip("/") + path


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """(client id, channel) from a link, or ApplicationError when the link was altered."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["c"]), str(data["ch"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ApplicationError("This unsubscribe link is not valid.", field="token")


@transaction.atomic
def unsubscribe(*, token: str):
    """Withdraw the client's consent for the channel the link was sent on. Messages already queued on it
    are skipped at delivery time."""
    from clients import services as client_services
    from clients.models import Client

    client_id, channel = unsubscribe_token_read(token)
    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        raise ApplicationError("This unsubscribe link is not valid.", field="token")
    client_services.consent_set(client=client, channel=channel, status="opt_out", source="unsubscribe link")
    return client, channel


# --- company news ------------------------------------------------------------------------------------------

from .news import news_cancel, news_create, news_send_batch, news_start, news_start_due  # noqa: E402, F401

__all__ = [
    "choose_channel",
    "message_template_save",
    "news_cancel",
    "news_create",
    "news_send_batch",
    "news_start",
    "news_start_due",
    "notification_enqueue_for_client",
    "notification_enqueue_for_erp",
    "notification_enqueue_for_user",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_retry",
    "print_batch_close",
    "unsubscribe",
    "unsubscribe_url",
]

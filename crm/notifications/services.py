"""Writing notifications to the outbox. Call these inside the transaction of the event that causes them.
Delivery (workers, retries, templates per channel) is the job of crm.notifications.delivery. Messages to
clients (which channel, consent, addresses, unsubscribe links) are written by clients.messaging, which
calls `notification_enqueue` here."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm.exceptions import ApplicationError

from . import channels as channel_backends
from . import rendering
from .models import MessageTemplate, Notification, PrintBatch


def notification_enqueue(
    *,
    event: str,
    dedup_key: str,
    channel: str,
    subject: str = "",
    body: str = "",
    context: dict | None = None,
    client_id: int | None = None,
    user=None,
    skip_reason: str = "",
    purpose: str = "",
    attachment: str = "",
) -> tuple[Notification, bool]:
    """Queue one message on one channel; `dedup_key` is the row's unique key, so a repeat of the same event
    returns the row written the first time (`created` False). With a `skip_reason` the row is written
    SKIPPED with that reason, so the event shows that nobody was told and why. `client_id` is an opaque
    reference the app that writes client messages reads back (see registry.py); so is `purpose` (Purpose:
    service or marketing, blank for staff and webhook rows), which that app's delivery check reads.
    `attachment` names an attachment producer registered with registry.register_attachment (the file is
    rendered at delivery)."""
    status = Notification.Status.SKIPPED if skip_reason else Notification.Status.PENDING
    notification, created = Notification.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "event": event,
            "client_id": client_id,
            "user": user,
            "channel": channel,
            "purpose": purpose,
            "status": status,
            "subject": subject,
            "body": body,
            "context": context or {},
            "next_attempt_at": timezone.now(),
            "last_error": skip_reason,
            "attachment": attachment,
        },
    )
    if created and status == Notification.Status.PENDING:
        relay_kick()
    return notification, created


def in_user_language(user):
    """`with in_user_language(user):` around the code that writes a staff message, so each member of staff
    reads it in their own language (crm.UserPreference; the site's language without one)."""
    from crm.languages import user_language

    return translation.override(user_language(user) or settings.LANGUAGE_CODE)


def notification_enqueue_for_user(
    *, user, event: str, dedup_key: str, subject: str, body: str = "", context: dict | None = None
) -> Notification:
    """Queue a message to a staff member (shown in the app and emailed)."""
    notification, _ = notification_enqueue(
        event=event,
        dedup_key=f"{dedup_key}:staff:{user.pk}",
        channel=Notification.Channel.STAFF,
        subject=subject,
        body=body,
        context=context,
        user=user,
    )
    return notification


def notification_enqueue_for_erp(
    *, event: str, dedup_key: str, context: dict, client_id: int | None = None, subject: str = "", body: str = ""
) -> Notification:
    """Queue an event for the ERP webhook. Without a configured URL the channel is unavailable: the row is
    SKIPPED with that reason."""
    notification, _ = notification_enqueue(
        event=event,
        dedup_key=f"{dedup_key}:webhook",
        channel=Notification.Channel.WEBHOOK,
        subject=subject,
        body=body,
        context=context,
        client_id=client_id,
        skip_reason="" if channel_backends.webhook_available() else "ERP webhook URL is not configured",
    )
    return notification


RELAY_KICK_KEY = "notifications:relay-kick-pending"
RELAY_KICK_TTL = 60  # a lost kick stops suppressing others after this; the every-minute relay covers the gap


def relay_kick() -> None:
    """Ask a worker to deliver soon, after commit. If the message is lost, the periodic relay finds the row.
    One kick per transaction is enough (an event that queues a hundred rows sends one message), and one
    pending kick at a time is enough: kicks from other transactions while a relay is queued coalesce into
    it (the relay clears the mark when it starts, so rows written during its run get a kick of their own)."""
    from . import tasks

    connection = transaction.get_connection()
    pending = getattr(connection, "run_on_commit", None) or []
    if connection.in_atomic_block and any(getattr(entry[1], "_relay_kick", False) for entry in pending):
        return

    def kick():
        # Coalescing needs a cache the relay shares (it clears the mark there); with a per-process cache
        # every transaction kicks, as before.
        if not settings.NOTIFICATIONS["COALESCE_RELAY_KICKS"] or cache.add(RELAY_KICK_KEY, 1, timeout=RELAY_KICK_TTL):
            tasks.relay_outbox.delay()

    kick._relay_kick = True
    transaction.on_commit(kick, robust=True)


# --- administrators: retry, templates, print batches -------------------------------------------------------


@transaction.atomic
def notification_retry(*, notification: Notification, by=None) -> Notification:
    """Give a failed notification a fresh set of attempts. Skipped ones (no consent) are never retried."""
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.status != Notification.Status.FAILED:
        raise ApplicationError(gettext("Only failed notifications can be retried."), field="status")
    who = getattr(by, "username", None) or "system"
    row.status = Notification.Status.PENDING
    row.attempts = 0
    row.next_attempt_at = timezone.now()
    row.claimed_at = None
    row.last_error = f"retry requested by {who}; before: {row.last_error}"[:2000]
    row.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_at", "last_error", "updated_at"])
    relay_kick()
    return row


def _check_template(source: str, field: str) -> None:
    try:
        rendering.validate(source)
    except rendering.TemplateSyntaxError as exc:
        raise ApplicationError(gettext("Template error: %(exc)s") % {"exc": exc}, field=field)


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
        raise ApplicationError(gettext("Name the event."), field="event")
    if channel and channel not in Notification.Channel.values:
        raise ApplicationError(gettext("Unknown channel %(channel)r.") % {"channel": channel}, field="channel")
    if not (body or "").strip():
        raise ApplicationError(gettext("A template needs a body."), field="body")
    _check_template(subject or "", "subject")
    _check_template(body, "body")
    clash = MessageTemplate.objects.filter(event=event, channel=channel or "")
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ApplicationError(gettext("There is already a template for this event and channel."), field="channel")
    creating = template is None
    template = template or MessageTemplate()
    template.event, template.channel = event, channel or ""
    template.subject, template.body, template.is_active = subject or "", body, is_active
    template.updated_by = by
    if creating:
        template.save()
    else:
        template.save(update_fields=["event", "channel", "subject", "body", "is_active", "updated_by", "updated_at"])
    return template


def message_template_preview(*, subject: str, body: str) -> tuple[str, str]:
    """A template being edited, rendered with sample values (nothing is saved). A template that does not
    compile or render is refused with the error, on the field that has it."""
    rendered = {}
    for field, source in (("subject", subject or ""), ("body", body or "")):
        try:
            rendered[field] = rendering.render_string(source, rendering.SAMPLE_CONTEXT)
        except Exception as exc:  # any template error is the administrator's to see and fix
            raise ApplicationError(
                gettext("%(name)s: %(exc)s") % {"name": exc.__class__.__name__, "exc": exc}, field=field
            )
    return rendered["subject"].strip(), rendered["body"]


@transaction.atomic
def print_batch_close(*, batch: PrintBatch, by=None) -> PrintBatch:
    """Close the batch for printing; the next letter opens a new one."""
    batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PrintBatch.Status.OPEN:
        raise ApplicationError(gettext("This batch is already closed."), field="status")
    batch.status = PrintBatch.Status.CLOSED
    batch.closed_at = timezone.now()
    batch.closed_by = by
    batch.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    return batch


# --- staff inbox -------------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.user_id != user.pk:
        raise ApplicationError(gettext("This is not your notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    now = timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now, updated_at=now)


# --- personal data: erasure and retention ------------------------------------------------------------------


def notifications_redact(*, rows, scrub, blank_body: bool = False) -> int:
    """Take a person out of outbox rows: `scrub(value)` replaces what identifies them in the subject, body,
    context and last error (any JSON value); with `blank_body` the body and context go entirely (a message
    to them, or one quoting them). A message to them still waiting is skipped rather than sent. The SMS file
    backend's copy is deleted."""
    changed = []
    for row in rows:
        row.subject = scrub(row.subject)[:200]
        row.body = "" if blank_body else scrub(row.body)
        row.context = {} if blank_body else scrub(row.context)
        row.last_error = scrub(row.last_error)
        if blank_body and row.client_id and row.status == Notification.Status.PENDING:
            row.status = Notification.Status.SKIPPED
            row.last_error = "the recipient's personal data was erased"
        if row.channel == Notification.Channel.SMS:
            channel_backends.sms_file_forget(row.idempotency_key)
        changed.append(row)
    Notification.objects.bulk_update(changed, ["subject", "body", "context", "last_error", "status"], batch_size=500)
    return len(changed)


def notification_bodies_purge(*, before) -> int:
    """Retention: blank the body and template context of messages sent (or skipped) before `before`. The row
    stays (event, channel, status, subject, times), so the outbox still shows what went out and when; a failed
    row keeps its body, since an administrator may retry it."""
    finished = (Notification.Status.SENT, Notification.Status.SKIPPED)
    rows = Notification.objects.filter(status__in=finished, updated_at__lt=before).exclude(body="", context={})
    return rows.update(body="", context={})

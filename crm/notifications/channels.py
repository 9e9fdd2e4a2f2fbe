"""Channel backends: how one outbox row reaches its recipient.

These are transports: each gets the row (already claimed by a relay), the rendered subject and body and,
for email and SMS, the address chosen by the app that registered the channel (see registry.py). It returns the
provider's message id, raises `PermanentError` when retrying cannot help (no address, channel not
configured), and lets any other exception mean "try again later".

External channels (email, SMS, webhook) receive `row.idempotency_key`, stable across retries, so a provider
that honours it drops a repeat. Local channels (phone task, print batch, staff inbox) only write to the
database and run inside the transaction that marks the row sent (see delivery.py)."""

import hashlib
import hmac
import json
import os
import sys
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from . import registry


class PermanentError(Exception):
    """Retrying will not help: mark the row failed (or skipped) at once."""


class Deferred(Exception):
    """Not yet: put the row back for `seconds` without counting an attempt (webhook events wait for an earlier
    event of the same entity)."""

    def __init__(self, seconds: float, reason: str = ""):
        super().__init__(reason)
        self.seconds = seconds


class Unavailable(PermanentError):
    """The channel is not available (not configured, or consent withdrawn): the row is skipped."""


def conf(name: str):
    return settings.NOTIFICATIONS[name]


def _message_id(row) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "crm.local"
    return f"<{row.idempotency_key}@{domain}>"


# --- email -----------------------------------------------------------------------------------------------


def send_email(row, subject: str, body: str, *, to: str) -> str:
    """Django's email backend (SMTP in production, console/file/locmem elsewhere). SMTP has no idempotency
    key; the Message-ID is derived from the row, so a repeat after a crash is recognisable by mail clients."""
    if not to:
        raise PermanentError("no email address")
    headers = {"Message-ID": _message_id(row)}
    if row.context.get("unsubscribe_url"):
        headers["List-Unsubscribe"] = f"<{row.context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMessage(subject=subject, body=body, to=[to], headers=headers, connection=get_connection())
    for attachment in attachments(row):
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    message.send()
    return headers["Message-ID"]


def attachments(row) -> list[registry.Attachment]:
    """The files the row carries, rendered now by the producer its app registered (registry.py); a name
    nobody registered is a permanent failure, as retrying cannot help."""
    if not row.attachment:
        return []
    produce = registry.attachment_producers.get(row.attachment)
    if produce is None:
        raise PermanentError(f"no attachment producer {row.attachment!r}")
    return [produce(row)]


# --- SMS -------------------------------------------------------------------------------------------------


class SmsBackend:
    """Provider interface: send one text, return the provider's message id."""

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class FileSmsBackend(SmsBackend):
    """One JSON file per message, named by the idempotency key: a repeat finds the file and sends nothing."""

    def __init__(self, directory: str | None = None):
        self.directory = Path(directory or conf("SMS_FILE_DIR"))

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{idempotency_key}.json"
        payload = json.dumps({"to": to, "text": text, "sender": conf("SMS_SENDER"), "id": idempotency_key})
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return idempotency_key
        with os.fdopen(fd, "w") as fh:
            fh.write(payload)
        return idempotency_key


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        sys.stdout.write(f"SMS to {to} [{idempotency_key}]: {text}\n")
        return idempotency_key


class HttpSmsBackend(SmsBackend):
    """A generic HTTP gateway: POST {"to", "text", "sender"} as JSON with a bearer token and an
    Idempotency-Key header; the answer's "id" (or "message_id") is the provider's message id."""

    def __init__(self, url: str | None = None, token: str | None = None):
        self.url = url if url is not None else conf("SMS_GATEWAY_URL")
        self.token = token if token is not None else conf("SMS_GATEWAY_TOKEN")

    def send(self, *, to: str, text: str, idempotency_key: str) -> str:
        if not self.url:
            raise Unavailable("SMS gateway URL is not configured")
        body = json.dumps({"to": to, "text": text, "sender": conf("SMS_SENDER")}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        answer = _post(self.url, body, headers)
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            data = {}
        return str(data.get("id") or data.get("message_id") or idempotency_key)


SMS_BACKENDS = {"file": FileSmsBackend, "console": ConsoleSmsBackend, "http": HttpSmsBackend}


def sms_backend() -> SmsBackend:
    name = conf("SMS_BACKEND")
    cls = SMS_BACKENDS.get(name) or import_string(name)
    return cls()


def send_sms(row, subject: str, body: str, *, to: str) -> str:
    if not to:
        raise PermanentError("no phone number")
    return sms_backend().send(to=to, text=body, idempotency_key=row.idempotency_key)


# --- ERP webhook -----------------------------------------------------------------------------------------


def webhook_available() -> bool:
    return bool(conf("ERP_WEBHOOK_URL"))


def webhook_signature(body: bytes, secret: str | None = None) -> str:
    secret = conf("ERP_WEBHOOK_SECRET") if secret is None else secret
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(row, subject: str, body: str) -> str:
    """POST the event as JSON; X-CRM-Signature is an HMAC-SHA256 of the exact body with the shared secret."""
    url = conf("ERP_WEBHOOK_URL")
    if not url:
        raise Unavailable("ERP webhook URL is not configured")
    payload = {
        "id": row.pk,
        "event": row.event,
        "client_id": row.client_id,
        "subject": subject,
        "body": body,
        "context": row.context,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
    data = json.dumps(payload, sort_keys=True, default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "X-CRM-Signature": webhook_signature(data),
        "X-CRM-Idempotency-Key": row.idempotency_key,
        "X-CRM-Event": row.event,
    }
    _post(url, data, headers)
    return row.idempotency_key


def _post(url: str, data: bytes, headers: dict) -> bytes:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=conf("HTTP_TIMEOUT")) as response:  # noqa: S310 - configured URL
        if response.status >= 400:  # pragma: no cover - urlopen raises HTTPError first
            raise OSError(f"HTTP {response.status}")
        return response.read()


# --- local channels: written in the delivery transaction ---------------------------------------------------


def add_to_print_batch(row, subject: str, body: str) -> str:
    """Put the letter into the open print batch (opening one if none is). Called by the letter channel's
    sender inside the delivery transaction, once it has checked the recipient's postal address."""
    from .models import PrintBatch

    batch = PrintBatch.objects.select_for_update().filter(status=PrintBatch.Status.OPEN).first()
    if batch is None:
        batch = PrintBatch.objects.create()
    row.print_batch = batch
    # The letter is printed from the rendered text, kept on the row.
    row.subject, row.body = subject, body
    return f"print-batch:{batch.pk}"


# --- personal data: SMS files ------------------------------------------------------------------------------


def sms_file_path(idempotency_key: str) -> Path:
    return Path(conf("SMS_FILE_DIR")) / f"{idempotency_key}.json"


def sms_file_forget(idempotency_key: str) -> bool:
    """Delete the file the file backend wrote for one message (the text and the phone number in it)."""
    try:
        sms_file_path(idempotency_key).unlink()
    except FileNotFoundError:
        return False
    return True


def sms_files_purge(*, before: float) -> int:
    """Delete the file backend's message files last written before `before` (a POSIX timestamp)."""
    directory = Path(conf("SMS_FILE_DIR"))
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob("*.json"):
        try:
            if path.stat().st_mtime < before:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another purge got there first
            continue
    return removed

"""What higher apps plug into the outbox. The outbox queues, claims, delivers and retries rows; it knows no
client. The app that writes messages to clients registers, from its `ready()`:

- a sender per channel (`register_channel`): `send(row, subject, body) -> provider message id`. A *local*
  sender only writes to the database and runs inside the transaction that marks the row sent (exactly once);
  the others talk to a provider and get the row's idempotency key.
- delivery checks (`delivery_checks`): `check(row) -> reason`; a non-empty reason skips the row at delivery
  time (consent withdrawn since it was queued, say).
- template context (`context_providers`): `provide(row) -> dict` of names a message template may use.
- recipient details for printed letters (`recipient_lookups`): `lookup(rows) -> {row id: {"name",
  "address"}}`, for the print batch PDF and mailing list.
- pages and API routes under /notifications/ and /api/v1/ (`html_url_modules`, `api_url_modules`: dotted
  names of modules with `urlpatterns`), mounted in the notifications namespace.

Any app that queues messages may also register:

- attachment producers (`register_attachment(name, produce)`): `produce(row) -> Attachment`. A row names
  its producer in `Notification.attachment`; the email channel renders the file when the message goes out
  (so the outbox stores no documents, and a retry renders it again). An unknown name fails the row.
- delivery listeners (`add_delivery_listener`): `listen(row)` once the row's final outcome is recorded
  (status sent, failed or skipped, with `last_error`), right after that write (committed: the relay runs
  outside a transaction); a listener that raises is logged and does not change the outcome; a listener
  that writes does so in its own transaction. This is how the app that queued a message learns it went out.

The outbox registers its own channels (staff inbox, ERP webhook) the same way."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sender:
    send: Callable
    local: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


senders: dict[str, Sender] = {}
attachment_producers: dict[str, Callable] = {}
delivery_listeners: list[Callable] = []
delivery_checks: list[Callable] = []
context_providers: list[Callable] = []
recipient_lookups: list[Callable] = []
html_url_modules: list[str] = []
api_url_modules: list[str] = []


def register_channel(channel: str, send: Callable, *, local: bool = False) -> None:
    senders[channel] = Sender(send=send, local=local)


def register_attachment(name: str, produce: Callable) -> None:
    attachment_producers[name] = produce


def add_delivery_listener(listen: Callable) -> None:
    _add_once(delivery_listeners, listen)


def _add_once(hooks: list, item) -> None:
    if item not in hooks:
        hooks.append(item)


def add_delivery_check(check: Callable) -> None:
    _add_once(delivery_checks, check)


def add_context_provider(provider: Callable) -> None:
    _add_once(context_providers, provider)


def add_recipient_lookup(lookup: Callable) -> None:
    _add_once(recipient_lookups, lookup)


def add_url_modules(*, html: str = "", api: str = "") -> None:
    if html:
        _add_once(html_url_modules, html)
    if api:
        _add_once(api_url_modules, api)


def skip_reason(row) -> str:
    for check in delivery_checks:
        reason = check(row)
        if reason:
            return reason
    return ""


def template_context(row) -> dict:
    context: dict = {}
    for provide in context_providers:
        context.update(provide(row) or {})
    return context


def recipients(rows) -> dict[int, dict]:
    rows = list(rows)
    found: dict[int, dict] = {}
    for lookup in recipient_lookups:
        found.update(lookup(rows) or {})
    return found


def delivered(row) -> None:
    """Tell the listeners the row's final outcome (sent, failed, skipped); their errors are only logged."""
    for listen in delivery_listeners:
        try:
            listen(row)
        except Exception:
            log.exception("delivery listener %r failed for notification %s", listen, row.pk)

"""Messages to clients: which channel, consent, addresses, unsubscribe links, call tasks for the manager.

The outbox (crm.notifications) queues, delivers and retries rows and knows no client; this module is the
client side of it. Other apps call `notification_enqueue_for_client` inside the transaction of the event
that causes the message, and `register()` (from ClientsConfig.ready) plugs the client channels into the
outbox: email and SMS to the client's address, a call task for the permanent manager, a printed letter to
the postal address, the consent check at delivery time, and `client_name` for message templates."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ApplicationError
from crm.notifications import channels as transports
from crm.notifications import registry as outbox
from crm.notifications import services as outbox_services
from crm.notifications.models import Notification

from .models import Client
from .services.contacts import consent_set
from .services.relationship import task_create

CLIENT_CHANNELS = ("email", "sms", "phone", "letter")
# Unchanged since the links were first sent: links in old messages keep working.
UNSUBSCRIBE_SALT = "crm.notifications.unsubscribe"


def choose_channel(client: Client, allowed=None) -> str:
    """The first of the client's preferred channels that has an opt-in (and, with `allowed`, that the
    message may use, falling back to any allowed channel with an opt-in); NONE when there is none."""
    opted_in = {c.channel for c in client.consents.all() if c.status == "opt_in"}
    candidates = list(client.preferred_channels or [])
    if allowed is not None:
        candidates = [c for c in candidates + list(allowed) if c in allowed]
    for channel in candidates:
        if channel in opted_in:
            return channel
    return Notification.Channel.NONE


def notification_enqueue_for_client(
    *,
    client: Client,
    event: str,
    dedup_key: str,
    subject: str = "",
    body: str = "",
    context: dict | None = None,
    channel: str | None = None,
    service: bool = False,
    attachment: str = "",
) -> Notification:
    """Queue a message to a client on their preferred consented channel (or `channel`, if consented).
    A client with no consented channel gets a SKIPPED row, so the event shows that nobody was told.
    `service=True`: see `_service_channel`. `attachment` names a producer registered with the outbox."""
    if service:
        chosen, skip_reason = _service_channel(client, channel)
        context = {**(context or {}), SERVICE_KEY: True}
    else:
        chosen = choose_channel(client) if channel is None else channel
        if channel is not None and not client.consents.filter(channel=channel, status="opt_in").exists():
            chosen = Notification.Channel.NONE
        skip_reason = "client has no consented channel" if chosen == Notification.Channel.NONE else ""
    notification, _ = outbox_services.notification_enqueue(
        event=event,
        dedup_key=f"{dedup_key}:{chosen}",
        channel=chosen,
        subject=subject,
        body=body,
        context=context,
        client_id=client.pk,
        skip_reason=skip_reason,
        attachment=attachment,
    )
    return notification


# --- service messages ----------------------------------------------------------------------------------------
# Invoices and credit notes are service messages, part of the contract rather than marketing: they go out on
# their channel (email unless told otherwise) whatever the client's opt-ins, since unsubscribing from news
# withdraws consent for a channel, not for the documents the client is owed. Only a missing address stops
# them. The row carries `context["service"]`, so the consent check at delivery lets it through too.

SERVICE_KEY = "service"
SERVICE_ADDRESSES = {"email": ("email", "email address"), "sms": ("phone", "phone number")}


def _service_channel(client: Client, channel: str | None) -> tuple[str, str]:
    """(channel, skip reason) of a service message: the channel asked for (email by default), skipped with a
    reason when the client has no address on it."""
    chosen = channel or Notification.Channel.EMAIL
    field, label = SERVICE_ADDRESSES.get(chosen, ("", "address for " + chosen))
    if not field or not (getattr(client, field, "") or "").strip():
        return chosen, f"client has no {label}"
    return chosen, ""


# --- unsubscribe links -------------------------------------------------------------------------------------


def unsubscribe_token(*, client_id: int, channel: str) -> str:
    return signing.dumps({"c": client_id, "ch": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, client_id: int, channel: str) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(client_id=client_id, channel=channel)])
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """(client id, channel) from a link, or ApplicationError when the link was altered."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["c"]), str(data["ch"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ApplicationError("This unsubscribe link is not valid.", field="token")


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[Client, str]:
    """Withdraw the client's consent for the channel the link was sent on. Messages already queued on it
    are skipped at delivery time."""
    client_id, channel = unsubscribe_token_read(token)
    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        raise ApplicationError("This unsubscribe link is not valid.", field="token")
    consent_set(client=client, channel=channel, status="opt_out", source="unsubscribe link")
    return client, channel


# --- the client channels, plugged into the outbox ----------------------------------------------------------


def _client(row) -> Client:
    if row.client_id is None:
        raise transports.PermanentError(f"a {row.channel} message needs a client")
    return Client.objects.select_related("manager").get(pk=row.client_id)


def send_email(row, subject: str, body: str) -> str:
    return transports.send_email(row, subject, body, to=_client(row).email)


def send_sms(row, subject: str, body: str) -> str:
    return transports.send_sms(row, subject, body, to=_client(row).phone)


def create_call_task(row, subject: str, body: str) -> str:
    """A call task for the client's permanent manager, with the script to read. `source` makes it once."""
    client = _client(row)
    if client.manager_id is None:
        raise transports.PermanentError("client has no permanent manager to call them")
    task, _ = task_create(
        client=client,
        assignee=client.manager,
        title=f"Call {client.name}: {subject}"[:200],
        due_date=(timezone.now() + timedelta(days=1)).date(),
        kind="call",
        details=body,
        source=f"notification:{row.pk}",
    )
    return f"task:{task.pk}"


def add_letter(row, subject: str, body: str) -> str:
    if not (_client(row).address or "").strip():
        raise transports.PermanentError("client has no postal address")
    return transports.add_to_print_batch(row, subject, body)


def consent_check(row) -> str:
    """Consent is checked again when the message goes out: an opt-out since it was queued wins."""
    if not row.client_id or row.channel not in CLIENT_CHANNELS:
        return ""
    if (row.context or {}).get(SERVICE_KEY):
        return ""  # a service message needs no marketing consent (see _service_channel)
    if Client.objects.filter(pk=row.client_id, consents__channel=row.channel, consents__status="opt_in").exists():
        return ""
    return f"client withdrew consent for {row.channel} after the message was queued"


def client_context(row) -> dict:
    if not row.client_id:
        return {}
    name = Client.objects.filter(pk=row.client_id).values_list("name", flat=True).first()
    return {"client_name": name} if name is not None else {}


def letter_recipients(rows) -> dict[int, dict]:
    ids = {row.client_id for row in rows if row.client_id}
    found = {c["id"]: c for c in Client.objects.filter(pk__in=ids).values("id", "name", "address")}
    return {
        row.pk: {"name": found[row.client_id]["name"], "address": found[row.client_id]["address"]}
        for row in rows
        if row.client_id in found
    }


def register() -> None:
    outbox.register_channel(Notification.Channel.EMAIL, send_email)
    outbox.register_channel(Notification.Channel.SMS, send_sms)
    outbox.register_channel(Notification.Channel.PHONE, create_call_task, local=True)
    outbox.register_channel(Notification.Channel.LETTER, add_letter, local=True)
    outbox.add_delivery_check(consent_check)
    outbox.add_context_provider(client_context)
    outbox.add_recipient_lookup(letter_recipients)
    outbox.add_url_modules(html="clients.messaging_urls", api="clients.news_api_urls")

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
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.notifications import channels as transports
from crm.notifications import registry as outbox
from crm.notifications import services as outbox_services
from crm.notifications.models import Notification, Purpose

from .consent import consent_allows
from .models import ChannelConsent, Client
from .services.contacts import consent_record
from .services.relationship import task_create

CLIENT_CHANNELS = ("email", "sms", "phone", "letter")
SERVICE, MARKETING = Purpose.SERVICE, Purpose.MARKETING
# A service message to a client who named no preferred channel goes by email (when they have an address).
SERVICE_FALLBACK_CHANNELS = ("email",)
# Unchanged since the links were first sent: links in old messages keep working.
UNSUBSCRIBE_SALT = "crm.notifications.unsubscribe"
CONSENT_CONFIRM_SALT = "clients.consent.confirm"
CONSENT_CONFIRM_MAX_AGE = 30 * 24 * 3600


def _answers(client: Client, purpose: str) -> dict[str, str]:
    """{channel: status} of the client's consents for `purpose`, from the prefetched consents if any."""
    return {c.channel: c.status for c in client.consents.all() if c.purpose == purpose}


def _has_address(client: Client, channel: str) -> bool:
    return bool(
        {
            "email": client.email,
            "sms": client.phone,
            "phone": client.manager_id,
            "letter": (client.address or "").strip(),
        }.get(channel)
    )


def may_contact(client: Client, channel: str, purpose: str) -> bool:
    """The consent rule for one message: marketing needs an opt-in on the channel; a service message needs
    none and is stopped only by the client's opt-out of service messages on that channel."""
    return consent_allows(_answers(client, purpose).get(channel), purpose)


def choose_channel(client: Client, *, purpose: str = MARKETING, allowed=None) -> str:
    """The first of the client's preferred channels the message may use (with `allowed`, only those, falling
    back to any allowed channel); NONE when there is none. Marketing: a channel with an opt-in. Service: a
    channel the client did not opt out of for service and has an address for, email as the last resort."""
    candidates = list(client.preferred_channels or [])
    if purpose == SERVICE:
        candidates += list(SERVICE_FALLBACK_CHANNELS)
    if allowed is not None:
        candidates = [c for c in candidates + list(allowed) if c in allowed]
    for channel in candidates:
        if channel not in CLIENT_CHANNELS or not may_contact(client, channel, purpose):
            continue
        if purpose == SERVICE and not _has_address(client, channel):
            continue
        return channel
    return Notification.Channel.NONE


def notification_enqueue_for_client(
    *,
    client: Client,
    event: str,
    dedup_key: str,
    purpose: str = MARKETING,
    subject: str = "",
    body: str = "",
    context: dict | None = None,
    channel: str | None = None,
    attachment: str = "",
) -> Notification:
    """Queue a message to a client on the channel its `purpose` allows (SERVICE: invoices, complaint
    acknowledgements and replies, surveys, account changes; MARKETING: news and offers): the first of their
    preferred channels that `choose_channel` accepts, or `channel` if the consent rule allows it. A client
    nobody may tell gets a SKIPPED row, so the event shows that nobody was told. Callers pass `purpose`;
    the default is the strict one (marketing: an opt-in is needed), so a forgotten purpose never reaches a
    client who did not agree. `attachment` names a producer registered with the outbox
    (crm.notifications.registry.register_attachment); the file is rendered at delivery."""
    if purpose not in Purpose.values:
        raise ValueError(f"unknown message purpose {purpose!r}")
    if channel is None:
        chosen = choose_channel(client, purpose=purpose)
    else:
        chosen = channel if may_contact(client, channel, purpose) else Notification.Channel.NONE
        if chosen != Notification.Channel.NONE and purpose == SERVICE and not _has_address(client, channel):
            chosen = Notification.Channel.NONE
    skip_reason = ""
    if chosen == Notification.Channel.NONE:
        skip_reason = _service_skip_reason(client, channel) if purpose == SERVICE else "client has no consented channel"
    if client.erased_at is not None:  # an erased person is never written to again, whatever the consents say
        chosen, skip_reason = Notification.Channel.NONE, "the client's personal data was erased"
    notification, _ = outbox_services.notification_enqueue(
        event=event,
        dedup_key=f"{dedup_key}:{chosen}",
        channel=chosen,
        purpose=purpose,
        subject=subject,
        body=body,
        context=context,
        client_id=client.pk,
        skip_reason=skip_reason,
        attachment=attachment,
    )
    return notification


def notification_enqueue_to_address(
    *, email: str, event: str, dedup_key: str, subject: str = "", body: str = "", context: dict | None = None
) -> Notification:
    """A service email to an address that belongs to no client (yet): the acknowledgement of an anonymous
    complaint, sent to the address typed. Email only (an SMS costs money and a typed number is anybody's),
    and no client is created, matched or given consent by it."""
    context = {**(context or {}), "to_email": email}
    notification, _ = outbox_services.notification_enqueue(
        event=event,
        dedup_key=f"{dedup_key}:{Notification.Channel.EMAIL}",
        channel=Notification.Channel.EMAIL if email else Notification.Channel.NONE,
        purpose=SERVICE,
        subject=subject,
        body=body,
        context=context,
        skip_reason="" if email else "no email address given",
    )
    return notification


ADDRESS_LABELS = {
    "email": "email address",
    "sms": "phone number",
    "phone": "manager to call them",
    "letter": "postal address",
}


def _service_skip_reason(client: Client, channel: str | None) -> str:
    """Why a service message (an invoice, a credit note) reaches nobody: the client opted out of service
    messages on the channel(s), or has no address there. Shown on the document and in the queue."""
    candidates = [channel] if channel else [*(client.preferred_channels or []), *SERVICE_FALLBACK_CHANNELS]
    candidates = [c for c in dict.fromkeys(candidates) if c in CLIENT_CHANNELS]
    reachable = [c for c in candidates if may_contact(client, c, SERVICE)]
    if not reachable:
        return (
            f"client opted out of service messages by {channel}"
            if channel
            else "client opted out of service messages on every channel they can be reached on"
        )
    return "client has no " + " and no ".join(ADDRESS_LABELS[c] for c in reachable)


# --- unsubscribe links -------------------------------------------------------------------------------------


def unsubscribe_token(*, client_id: int, channel: str, purpose: str = MARKETING) -> str:
    return signing.dumps({"c": client_id, "ch": channel, "p": purpose}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, client_id: int, channel: str, purpose: str = MARKETING) -> str:
    token = unsubscribe_token(client_id=client_id, channel=channel, purpose=purpose)
    path = reverse("notifications:unsubscribe", args=[token])
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token_read(token: str) -> tuple[int, str, str]:
    """(client id, channel, purpose) from a link (links sent before purposes were marketing: news), or
    ApplicationError when the link was altered."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        purpose = str(data.get("p", MARKETING))
        if purpose not in Purpose.values:
            raise ValueError(purpose)
        return int(data["c"]), str(data["ch"]), purpose
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise ApplicationError(gettext("This unsubscribe link is not valid."), field="token")


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[Client, str]:
    """Withdraw the client's consent for the channel (and purpose) the link was sent on. Messages already
    queued on it are skipped at delivery time."""
    client_id, channel, purpose = unsubscribe_token_read(token)
    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        raise ApplicationError(gettext("This unsubscribe link is not valid."), field="token")
    consent_record(
        client=client, channel=channel, purpose=purpose, status="opt_out", source="unsubscribe link", recorded_by=None
    )
    return client, channel


# --- confirmation links: the client's own opt-in -----------------------------------------------------------


def consent_confirm_token(*, client_id: int, channel: str, purpose: str = MARKETING) -> str:
    return signing.dumps({"c": client_id, "ch": channel, "p": purpose}, salt=CONSENT_CONFIRM_SALT, compress=True)


def consent_confirm_url(*, client_id: int, channel: str, purpose: str = MARKETING) -> str:
    """A link to send the client (by staff, e.g. after a call): clicking it and confirming records the
    opt-in with the evidence "confirmed link", which reverses an earlier opt-out. Valid 30 days."""
    token = consent_confirm_token(client_id=client_id, channel=channel, purpose=purpose)
    return settings.SITE_URL.rstrip("/") + reverse("notifications:consent_confirm", args=[token])


def consent_confirm_token_read(token: str) -> tuple[int, str, str]:
    try:
        data = signing.loads(token, salt=CONSENT_CONFIRM_SALT, max_age=CONSENT_CONFIRM_MAX_AGE)
        purpose = str(data["p"])
        if purpose not in Purpose.values or data["ch"] not in CLIENT_CHANNELS:
            raise ValueError(purpose)
        return int(data["c"]), str(data["ch"]), purpose
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise ApplicationError(gettext("This confirmation link is not valid or has expired."), field="token")


@transaction.atomic
def consent_confirm(*, token: str) -> tuple[Client, str, str]:
    """The client clicked a confirmation link and confirmed: an explicit opt-in, evidence "confirmed link"."""
    client_id, channel, purpose = consent_confirm_token_read(token)
    client = Client.objects.filter(pk=client_id, merged_into__isnull=True).first()
    if client is None:
        raise ApplicationError(gettext("This confirmation link is not valid or has expired."), field="token")
    consent_record(
        client=client, channel=channel, purpose=purpose, status="opt_in", source="confirmed link", recorded_by=None
    )
    return client, channel, purpose


# --- the client channels, plugged into the outbox ----------------------------------------------------------


def _client(row) -> Client:
    if row.client_id is None:
        raise transports.PermanentError(f"a {row.channel} message needs a client")
    return Client.objects.select_related("manager").get(pk=row.client_id)


def send_email(row, subject: str, body: str) -> str:
    if row.client_id is None and row.purpose == SERVICE and row.context.get("to_email"):
        return transports.send_email(row, subject, body, to=row.context["to_email"])  # notification_enqueue_to_address
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
    """Consent is checked again when the message goes out: an opt-out since it was queued wins. Rows queued
    before messages had a purpose count as marketing (what they needed then)."""
    if not row.client_id or row.channel not in CLIENT_CHANNELS:
        return ""
    purpose = row.purpose or MARKETING
    answers = ChannelConsent.objects.filter(client_id=row.client_id, channel=row.channel, purpose=purpose)
    if consent_allows(answers.values_list("status", flat=True).first(), purpose):
        return ""
    if purpose == SERVICE:
        return f"client opted out of service messages by {row.channel} after the message was queued"
    return f"client withdrew consent for {row.channel} after the message was queued"


def client_context(row) -> dict:
    """`client_name` for templates, and `language`: the outbox renders the client's message in it."""
    if not row.client_id:
        return {}
    found = Client.objects.filter(pk=row.client_id).values_list("name", "language").first()
    return {"client_name": found[0], "language": found[1]} if found is not None else {}


def in_client_language(client: Client | None):
    """`with in_client_language(client):` around the code that writes a message's subject and body, so the
    client reads it in their language (settings.LANGUAGE_CODE for an address that is no client's)."""
    language = getattr(client, "language", "") or settings.LANGUAGE_CODE
    return translation.override(language)


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

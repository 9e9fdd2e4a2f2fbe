"""How the client is reached: contact persons at a company, and the client's consent per channel."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from crm.exceptions import ApplicationError

from ..models import Channel, ChannelConsent, Client, ContactPerson
from .rights import EDIT_DENIED, can_edit_client
from .validation import normalized

User = get_user_model()


def _check_edit(by: User | None, client: Client) -> None:
    if by is not None and not can_edit_client(by, client):
        raise ApplicationError(EDIT_DENIED, code="forbidden")


@transaction.atomic
def contact_add(
    *,
    client: Client,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
    is_primary: bool = False,
    by: User | None = None,
) -> ContactPerson:
    """A contact person at a company client. `by` (None: the system) must be allowed to write on the client;
    history records them."""
    _check_edit(by, client)
    if client.kind != Client.Kind.COMPANY:
        raise ApplicationError("Only companies have contact persons.", field="contacts")
    if not (name or "").strip():
        raise ApplicationError("A contact needs a name.", field="contacts")
    email, phone = normalized(email, phone)
    if is_primary:
        ContactPerson.objects.filter(client=client, is_primary=True).update(is_primary=False)
    contact = ContactPerson(
        client=client, name=name.strip(), role=role, email=email, phone=phone, is_primary=is_primary
    )
    if by is not None:
        contact._history_user = by  # token-authenticated API calls never reach the history middleware
    contact.save()
    return contact


@transaction.atomic
def consent_set(
    *,
    client: Client,
    channel: str,
    status: str,
    source: str,
    by: User | None = None,
    at: datetime | None = None,
) -> tuple[ChannelConsent, bool]:
    """Record the client's opt-in or opt-out for one channel, told to `by` (None: the system, e.g. an
    unsubscribe link), who must be allowed to edit the client. One row per channel, every change kept in the
    consent's history; an opt-out replaces any opt-in, so every reader of the consent honours it.
    Returns (consent, changed): repeating the answer already on record changes nothing."""
    _check_edit(by, client)
    return _consent_write(client, channel, status, source, by, at)


@transaction.atomic
def consent_record(
    *,
    client: Client,
    channel: str,
    status: str,
    source: str,
    recorded_by: User | None,
    at: datetime | None = None,
) -> tuple[ChannelConsent, bool]:
    """consent_set without the rights check, for writes whose right was settled by their caller: consents
    given at first contact, and consents a merge carries over with whoever first recorded them."""
    return _consent_write(client, channel, status, source, recorded_by, at)


def _consent_write(
    client: Client, channel: str, status: str, source: str, recorded_by: User | None, at: datetime | None
) -> tuple[ChannelConsent, bool]:
    if channel not in Channel.values:
        raise ApplicationError(f"Unknown channel {channel!r}.", field="channel")
    if status not in ChannelConsent.Status.values:
        raise ApplicationError(f"Unknown consent status {status!r}.", field="status")
    source = (source or "").strip()[:200]
    if not source:
        raise ApplicationError("Say how the client gave or withdrew consent.", field="source")
    consent = ChannelConsent.objects.select_for_update().filter(client=client, channel=channel).first()
    if consent is not None and consent.status == status:
        return consent, False
    if consent is None:
        consent = ChannelConsent(client=client, channel=channel)
    consent.status = status
    consent.given_at = at or timezone.now()
    consent.source = source
    consent.recorded_by = recorded_by
    if recorded_by is not None:
        consent._history_user = recorded_by
    if consent.pk is None:
        consent.save()
    else:
        consent.save(update_fields=["status", "given_at", "source", "recorded_by"])
    # Touch the client so an ERP sync on updated_since sees the consent change.
    Client.objects.filter(pk=client.pk).update(updated_at=timezone.now())
    return consent, True

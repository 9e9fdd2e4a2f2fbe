"""How the client is reached: contact persons at a company, and the client's consent per channel."""

from django.db import transaction
from django.utils import timezone

from crm.exceptions import ApplicationError

from ..models import Channel, ChannelConsent, Client, ContactPerson
from .validation import normalized


@transaction.atomic
def contact_add(
    *, client: Client, name: str, role: str = "", email: str = "", phone: str = "", is_primary: bool = False
) -> ContactPerson:
    if client.kind != Client.Kind.COMPANY:
        raise ApplicationError("Only companies have contact persons.", field="contacts")
    if not (name or "").strip():
        raise ApplicationError("A contact needs a name.", field="contacts")
    email, phone = normalized(email, phone)
    if is_primary:
        ContactPerson.objects.filter(client=client, is_primary=True).update(is_primary=False)
    return ContactPerson.objects.create(
        client=client, name=name.strip(), role=role, email=email, phone=phone, is_primary=is_primary
    )


@transaction.atomic
def consent_set(*, client: Client, channel: str, status: str, source: str, by=None, at=None) -> ChannelConsent:
    """Record the client's opt-in or opt-out for one channel (one row per channel; every change is kept in
    the consent's history). An opt-out replaces any opt-in, so every reader of the consent honours it."""
    if channel not in Channel.values:
        raise ApplicationError(f"Unknown channel {channel!r}.", field="channel")
    if status not in ChannelConsent.Status.values:
        raise ApplicationError(f"Unknown consent status {status!r}.", field="status")
    source = (source or "").strip()[:200]
    if not source:
        raise ApplicationError("Say how the client gave or withdrew consent.", field="source")
    at = at or timezone.now()
    consent = ChannelConsent.objects.select_for_update().filter(client=client, channel=channel).first()
    if consent is None:
        consent = ChannelConsent(client=client, channel=channel)
    elif consent.status == status:
        return consent
    consent.status = status
    consent.given_at = at
    consent.source = source
    consent.recorded_by = by
    if by is not None:
        consent._history_user = by
    consent.save()
    # Touch the client so an ERP sync on updated_since sees the consent change.
    Client.objects.filter(pk=client.pk).update(updated_at=timezone.now())
    return consent

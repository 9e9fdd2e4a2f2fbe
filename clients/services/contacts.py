"""How the client is reached: contact persons at a company, and the client's consent per channel and purpose.

Consent rules (clients/messaging.py applies them when a message is queued and again when it goes out):
- marketing (news, offers) needs an opt-in on the channel; service messages (invoices, complaint
  acknowledgements and replies, surveys, account changes) need none and stop only at a service opt-out.
- an opt-out is recorded from anywhere (staff, a link, the ERP, an edit) and wins;
- an opt-in is recorded only explicitly, with evidence: staff with an evidence text (consent_set), the client
  clicking a confirmation link, staff taking down a first contact; the ERP upsert, imports and edits of the
  client's record never record opt-ins (consent_apply_from_sync), so they can never resurrect an opt-out."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

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
        raise ApplicationError(gettext("Only companies have contact persons."), field="contacts")
    if not (name or "").strip():
        raise ApplicationError(gettext("A contact needs a name."), field="contacts")
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


MARKETING, SERVICE = ChannelConsent.Purpose.MARKETING, ChannelConsent.Purpose.SERVICE
OPT_IN, OPT_OUT = ChannelConsent.Status.OPT_IN, ChannelConsent.Status.OPT_OUT


@transaction.atomic
def consent_set(
    *,
    client: Client,
    channel: str,
    status: str,
    source: str,
    by: User | None = None,
    at: datetime | None = None,
    purpose: str = MARKETING,
) -> tuple[ChannelConsent | None, bool]:
    """Record what the client said for one channel and purpose, told to `by` (who must be allowed to edit
    the client; None: the system acting on the client's own act, e.g. a link they clicked). `source` is the
    evidence ("signed form", "phone call note", "confirmed link") and is required. This is the explicit
    record: an opt-in here reverses an opt-out. Every change is kept in the consent's history.
    Returns (consent, changed): repeating the answer already on record changes nothing."""
    _check_edit(by, client)
    return _consent_write(client, channel, purpose, status, source, by, at, explicit=True)


@transaction.atomic
def consent_record(
    *,
    client: Client,
    channel: str,
    status: str,
    source: str,
    recorded_by: User | None,
    at: datetime | None = None,
    purpose: str = MARKETING,
) -> tuple[ChannelConsent | None, bool]:
    """consent_set without the rights check, for explicit records whose right was settled by their caller:
    consents a member of staff took down at first contact, and consents a merge carries over with whoever
    first recorded them."""
    return _consent_write(client, channel, purpose, status, source, recorded_by, at, explicit=True)


@transaction.atomic
def consent_apply_from_sync(
    *, client: Client, consents: dict[str, str], source: str, by: User | None = None
) -> list[ChannelConsent]:
    """Consents carried by a bulk or indirect write (the ERP upsert, an edit of the client's record, an
    import): {channel: status}, for marketing. Only opt-outs are recorded; an opt-in here is not evidence
    of anything, so it is ignored: it never reverses an opt-out and never creates an opt-in (the consent
    stays as it was, "not asked" when nothing is on record). Opt-ins are recorded with evidence through
    consent_set. Returns the consents that changed."""
    _check_edit(by, client)
    changed = []
    for channel, status in consents.items():
        _check_values(channel, MARKETING, status)
        if status != OPT_OUT:
            continue
        consent, was_changed = _consent_write(client, channel, MARKETING, status, source, by, None, explicit=False)
        if was_changed:
            changed.append(consent)
    return changed


def _check_values(channel: str, purpose: str, status: str) -> None:
    if channel not in Channel.values:
        raise ApplicationError(gettext("Unknown channel %(channel)r.") % {"channel": channel}, field="channel")
    if purpose not in ChannelConsent.Purpose.values:
        raise ApplicationError(gettext("Unknown purpose %(purpose)r.") % {"purpose": purpose}, field="purpose")
    if status not in ChannelConsent.Status.values:
        raise ApplicationError(gettext("Unknown consent status %(status)r.") % {"status": status}, field="status")


def _consent_write(
    client: Client,
    channel: str,
    purpose: str,
    status: str,
    source: str,
    recorded_by: User | None,
    at: datetime | None,
    *,
    explicit: bool,
) -> tuple[ChannelConsent | None, bool]:
    _check_values(channel, purpose, status)
    source = (source or "").strip()[:200]
    if not source:
        raise ApplicationError(
            gettext("Say how the client gave or withdrew consent (the evidence: signed form, phone call note ...)."),
            field="source",
        )
    consent = ChannelConsent.objects.select_for_update().filter(client=client, channel=channel, purpose=purpose).first()
    if consent is not None and consent.status == status:
        return consent, False
    if status == OPT_IN and not explicit:
        return consent, False  # only an explicit record with evidence gives (or gives back) an opt-in
    if consent is None:
        consent = ChannelConsent(client=client, channel=channel, purpose=purpose)
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

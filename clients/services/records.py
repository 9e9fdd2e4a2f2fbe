"""Client records: first contact, edits, the permanent manager, the ERP upsert by external id, segments."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError
from crm.notifications import services as notifications

from .. import selectors
from ..models import Client, ManagerAssignment, Segment, Tag
from .contacts import consent_set, contact_add
from .rights import can_edit_client
from .validation import check_choice, check_manager, clean_channels, normalized


def _set_tags(client: Client, tags) -> None:
    objs = []
    for tag in tags:
        if isinstance(tag, Tag):
            objs.append(tag)
        elif str(tag).strip():
            objs.append(Tag.objects.get_or_create(name=str(tag).strip()[:50])[0])
    client.tags.set(objs)


def _add_contacts(client: Client, contacts) -> None:
    for contact in contacts:
        contact_add(client=client, **contact)


def _apply_consents(client: Client, consents: dict, by, source: str, at=None) -> None:
    """`consents`: {"email": "opt_in", "sms": "opt_out"} given at `at` (default now), taken by `by`."""
    for channel, status in (consents or {}).items():
        consent_set(client=client, channel=channel, status=status, source=source, by=by, at=at)


def duplicate_candidates(*, email: str = "", phone: str = "", exclude_pk=None) -> list[Client]:
    qs = selectors.client_match_by_contact(email=email, phone=phone)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("-id")[:10])


def _conflict(candidates: list[Client]) -> ConflictError:
    return ConflictError(
        "A client with this phone or email already exists. Resend with force=true to create it anyway.",
        code="duplicate",
        extra={"candidates": [{"id": c.pk, "name": c.name, "email": c.email, "phone": c.phone} for c in candidates]},
    )


@transaction.atomic
def client_create(
    *,
    name: str,
    by=None,
    kind: str = Client.Kind.COMPANY,
    email: str = "",
    phone: str = "",
    status: str = Client.Status.LEAD,
    first_contact_channel: str = Client.FirstContactChannel.OTHER,
    first_contact_request: str = "",
    manager=None,
    segment: Segment | None = None,
    tags=(),
    contacts=(),
    preferred_channels=(),
    consents: dict | None = None,
    consent_source: str = "",
    allow_duplicate: bool = True,
    **fields,
) -> Client:
    """Create a client with normalised contact details; the first contact is now, taken by `by`.
    With allow_duplicate=False a phone or email already known raises ConflictError with the candidates."""
    if not (name or "").strip():
        raise ApplicationError("A name is required.", field="name")
    check_choice(kind, Client.Kind, "kind")
    check_choice(status, Client.Status, "status")
    check_choice(first_contact_channel, Client.FirstContactChannel, "first_contact_channel")
    email, phone = normalized(email, phone)
    check_manager(manager)
    channels = clean_channels(preferred_channels)
    if fields.get("external_id") == "":
        fields["external_id"] = None
    if fields.get("external_id") and Client.objects.filter(external_id=fields["external_id"]).exists():
        raise ApplicationError("Another client has this external id.", field="external_id")
    if not allow_duplicate:
        candidates = duplicate_candidates(email=email, phone=phone)
        if candidates:
            raise _conflict(candidates)
    now = timezone.now()
    client = Client(
        name=name.strip(),
        kind=kind,
        email=email,
        phone=phone,
        status=status,
        status_changed_at=now,
        first_contact_at=fields.pop("first_contact_at", None) or now,
        first_contact_channel=first_contact_channel,
        first_contact_by=by,
        first_contact_request=first_contact_request,
        manager=manager,
        segment=segment,
        preferred_channels=channels,
        **fields,
    )
    client._history_user = by  # token-authenticated API calls never reach the history middleware
    client.save()
    if manager is not None:
        ManagerAssignment.objects.create(
            client=client, manager=manager, assigned_at=now, assigned_by=by, reason="first contact"
        )
    if tags:
        _set_tags(client, tags)
    _add_contacts(client, contacts)
    source = consent_source or f"first contact ({first_contact_channel})"
    _apply_consents(client, consents, by, source, at=client.first_contact_at)
    return client


UPDATABLE = {
    "name",
    "kind",
    "email",
    "phone",
    "address",
    "segment",
    "status",
    "first_contact_channel",
    "first_contact_at",
    "first_contact_request",
    "interests",
    "preferred_channels",
    "external_id",
}


@transaction.atomic
def client_update(
    *, client: Client, by=None, tags=None, consents: dict | None = None, consent_source: str = "", **changes
) -> Client:
    """Change a client's details (history records who changed what). The manager changes only through
    client_reassign. `by` (when given) must be allowed to edit this client."""
    unknown = set(changes) - UPDATABLE - {"manager"}
    if unknown:
        raise ApplicationError(f"Cannot change {', '.join(sorted(unknown))}.")
    client = Client.objects.select_for_update().get(pk=client.pk)
    if by is not None and not can_edit_client(by, client):
        raise ApplicationError("You may edit only your own and unassigned clients.", code="forbidden")
    manager_given = "manager" in changes
    new_manager = changes.pop("manager", None)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ApplicationError("A name is required.", field="name")
    if "email" in changes or "phone" in changes:
        email, phone = normalized(changes.get("email", client.email), changes.get("phone", client.phone))
        changes["email"], changes["phone"] = email, phone
    if "kind" in changes:
        check_choice(changes["kind"], Client.Kind, "kind")
    if "first_contact_channel" in changes:
        check_choice(changes["first_contact_channel"], Client.FirstContactChannel, "first_contact_channel")
    if "preferred_channels" in changes:
        changes["preferred_channels"] = clean_channels(changes["preferred_channels"])
    if "external_id" in changes:
        changes["external_id"] = changes["external_id"] or None
        if (
            changes["external_id"]
            and Client.objects.filter(external_id=changes["external_id"]).exclude(pk=client.pk).exists()
        ):
            raise ApplicationError("Another client has this external id.", field="external_id")
    changed = []
    if "status" in changes:
        check_choice(changes["status"], Client.Status, "status")
        if changes["status"] != client.status:
            client.status_changed_at = timezone.now()
            changed.append("status_changed_at")
    for field, value in changes.items():
        if getattr(client, field) != value:
            setattr(client, field, value)
            changed.append(field)
    if changed:
        if by is not None:
            client._history_user = by
        client.save(update_fields=[*changed, "updated_at"])
    if tags is not None:
        _set_tags(client, tags)
    _apply_consents(client, consents, by, consent_source or "client record edited")
    if manager_given and new_manager != client.manager:
        client = client_reassign(client=client, manager=new_manager, by=by)
    return client


@transaction.atomic
def client_reassign(*, client: Client, manager, by=None, reason: str = "") -> Client:
    """Give the client a new permanent manager: dated history, and both managers are told."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    check_manager(manager)
    previous = client.manager
    if previous == manager:
        return client
    now = timezone.now()
    client.manager = manager
    if by is not None:
        client._history_user = by
    client.save(update_fields=["manager", "updated_at"])
    assignment = ManagerAssignment.objects.create(
        client=client, manager=manager, previous_manager=previous, assigned_at=now, assigned_by=by, reason=reason
    )
    key = f"client_reassigned:{client.pk}:{assignment.pk}"
    if manager is not None:
        notifications.notification_enqueue_for_user(
            user=manager,
            event="client_reassigned",
            dedup_key=key,
            subject=f"{client.name} is now your client",
            body=f"{client.name} was assigned to you" + (f" (was {previous})." if previous else "."),
            context={"client_id": client.pk},
        )
    if previous is not None:
        notifications.notification_enqueue_for_user(
            user=previous,
            event="client_reassigned",
            dedup_key=key,
            subject=f"{client.name} moved to {manager or 'nobody'}",
            body=f"{client.name} is no longer your client; the new manager is {manager or 'nobody'}.",
            context={"client_id": client.pk},
        )
    return client


@transaction.atomic
def client_upsert_by_external_id(*, external_id: str, data: dict, by=None) -> tuple[Client, bool]:
    """The ERP's PUT: create the client with this key or update it; repeating the same call changes
    nothing. Returns (client, created)."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise ApplicationError("An external id is required.", field="external_id")
    data = {k: v for k, v in data.items() if k != "external_id"}
    update = {k: v for k, v in data.items() if k != "contacts"}  # contacts only on create: repeat-safe
    existing = Client.objects.select_for_update().filter(external_id=external_id).first()
    if existing is not None:
        return client_update(client=existing, by=None, **update), False
    try:
        with transaction.atomic():
            return client_create(by=by, external_id=external_id, **data), True
    except (IntegrityError, ApplicationError) as exc:
        if isinstance(exc, ApplicationError) and exc.field != "external_id":
            raise
        # A concurrent PUT created it first (the unique index or the pre-check saw it): update that one.
        existing = Client.objects.select_for_update().get(external_id=external_id)
        return client_update(client=existing, by=None, **update), False


@transaction.atomic
def segment_create(*, name: str, code: str, description: str = "") -> Segment:
    if not (name or "").strip() or not (code or "").strip():
        raise ApplicationError("A segment needs a name and a code.", field="name")
    if Segment.objects.filter(code=code).exists():
        raise ApplicationError("This code is taken.", field="code")
    return Segment.objects.create(name=name.strip(), code=code.strip(), description=description)

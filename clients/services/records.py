"""Client records: first contact, edits, the permanent manager, the ERP upsert by external id, segments."""

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Literal, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError, ConflictError
from crm.notifications import services as notifications
from crm.notifications.webhooks import event_emit
from crm.roles import Role, has_role

from .. import selectors
from ..models import ChannelConsent, Client, ManagerAssignment, Segment, Tag
from .contacts import consent_apply_from_sync, consent_record, contact_add
from .rights import EDIT_DENIED, REASSIGN_DENIED, can_assign_to, can_edit_client, can_reassign_client
from .validation import check_choice, check_language, check_manager, clean_channels, normalized

User = get_user_model()


class _Unchosen(enum.Enum):
    MANAGER = "no manager chosen at first contact"


# What the first-contact page and the API pass when nobody was picked as manager; client_create decides.
MANAGER_NOT_CHOSEN = _Unchosen.MANAGER


class ContactInput(TypedDict, total=False):
    name: str
    role: str
    email: str
    phone: str
    is_primary: bool


def first_contact_manager(by: User | None) -> User | None:
    """The manager of a client recorded with nobody chosen: the sales manager who takes the first contact
    keeps the client; an administrator's record (or the system's) stays unassigned until one is given it."""
    return by if by is not None and has_role(by, Role.SALES_MANAGER) else None


def _set_tags(client: Client, tags: Iterable[Tag | str]) -> None:
    """`tags`: Tag objects or tag names; a new name becomes a tag."""
    objs = []
    for tag in tags:
        if isinstance(tag, Tag):
            objs.append(tag)
        elif tag.strip():
            objs.append(Tag.objects.get_or_create(name=tag.strip()[:50])[0])
    client.tags.set(objs)


def duplicate_candidates(*, email: str = "", phone: str = "", exclude_pk: int | None = None) -> list[Client]:
    qs = selectors.client_match_by_contact(email=email, phone=phone)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("-id")[:10])


def _conflict(candidates: list[Client]) -> ConflictError:
    return ConflictError(
        gettext("A client with this phone or email already exists. Resend with force=true to create it anyway."),
        code="duplicate",
        extra={"candidates": [{"id": c.pk, "name": c.name, "email": c.email, "phone": c.phone} for c in candidates]},
    )


@transaction.atomic
def client_create(
    *,
    name: str,
    by: User | None = None,
    kind: str = Client.Kind.COMPANY,
    email: str = "",
    phone: str = "",
    address: str = "",
    status: str = Client.Status.LEAD,
    first_contact_channel: str = Client.FirstContactChannel.OTHER,
    first_contact_at: datetime | None = None,
    first_contact_request: str = "",
    interests: list[str] | None = None,
    manager: User | None | Literal[_Unchosen.MANAGER] = None,
    segment: Segment | None = None,
    tags: Iterable[Tag | str] = (),
    contacts: Iterable[ContactInput] = (),
    preferred_channels: Iterable[str] = (),
    consents: dict[str, str] | None = None,
    consent_source: str = "",
    external_id: str | None = None,
    allow_duplicate: bool = True,
    language: str = "",
) -> Client:
    """Create a client with normalised contact details; the first contact is at `first_contact_at` (default
    now), taken by `by`. With allow_duplicate=False a phone or email already known raises ConflictError with
    the candidates.

    The manager at first contact: `manager` is a sales manager, or None for nobody (the import, complaint
    intake and the ERP sync record clients this way). Giving the new client to another manager than `by` is
    an administrator's decision (`can_assign_to`), as a handover is: others keep it or leave it unassigned.
    The first-contact page and the API pass MANAGER_NOT_CHOSEN when nobody was picked (a blank field; an
    omitted or null `manager`): then the sales manager who records the first contact keeps the client, and
    an administrator's record stays unassigned (`first_contact_manager`). So a sales manager never leaves a
    first contact of theirs unassigned by accident, and page and API agree."""
    if manager is MANAGER_NOT_CHOSEN:
        manager = first_contact_manager(by)
    if by is not None and manager is not None and not can_assign_to(by, manager):
        raise ApplicationError(REASSIGN_DENIED, field="manager", code="forbidden")
    if not (name or "").strip():
        raise ApplicationError(gettext("A name is required."), field="name")
    check_choice(kind, Client.Kind, "kind")
    check_choice(status, Client.Status, "status")
    check_choice(first_contact_channel, Client.FirstContactChannel, "first_contact_channel")
    language = language or settings.LANGUAGE_CODE
    check_language(language)
    email, phone = normalized(email, phone)
    check_manager(manager)
    channels = clean_channels(preferred_channels)
    external_id = external_id or None
    if external_id and Client.objects.filter(external_id=external_id).exists():
        raise ApplicationError(gettext("Another client has this external id."), field="external_id")
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
        address=address,
        status=status,
        status_changed_at=now,
        first_contact_at=first_contact_at or now,
        first_contact_channel=first_contact_channel,
        first_contact_by=by,
        first_contact_request=first_contact_request,
        manager=manager,
        segment=segment,
        preferred_channels=channels,
        interests=list(interests or []),
        external_id=external_id,
        language=language,
    )
    client._history_user = by  # token-authenticated API calls never reach the history middleware
    client.save()
    if manager is not None:
        ManagerAssignment.objects.create(
            client=client, manager=manager, assigned_at=now, assigned_by=by, reason="first contact"
        )
    if tags:
        _set_tags(client, tags)
    for contact in contacts:
        # whoever creates a client may write on it (they keep it, leave it unassigned, or are an administrator)
        contact_add(client=client, by=by, **contact)
    # Whoever records a first contact records the consents given in it (marketing), whoever will manage the
    # client: a person taking down what the client said is the evidence. The ERP upsert passes opt-outs only.
    source = consent_source or f"first contact ({first_contact_channel})"
    for channel, status_given in (consents or {}).items():
        consent_record(
            client=client,
            channel=channel,
            status=status_given,
            source=source,
            recorded_by=by,
            at=client.first_contact_at,
        )
    event_emit(
        "client.created",
        entity=f"client:{client.pk}",
        data={"id": client.pk, "external_id": client.external_id, "manager": client.manager_id},
    )
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
    "language",
}


@transaction.atomic
def client_update(
    *,
    client: Client,
    by: User | None = None,
    tags: Iterable[Tag | str] | None = None,
    consents: dict[str, str] | None = None,
    consent_source: str = "",
    **changes,
) -> Client:
    """Change a client's details (`changes`: fields of UPDATABLE and `manager`, typed as the model holds
    them); history records who changed what. `by` (None: the system) must be allowed to edit this client
    (`can_edit_client`), and to hand it over when `manager` changes (`client_reassign`'s rule): a refusal
    changes nothing."""
    unknown = set(changes) - UPDATABLE - {"manager"}
    if unknown:
        raise ApplicationError(gettext("Cannot change %(join)s.") % {"join": ", ".join(sorted(unknown))})
    client = Client.objects.select_for_update().get(pk=client.pk)
    if by is not None and not can_edit_client(by, client):
        raise ApplicationError(EDIT_DENIED, code="forbidden")
    manager_given = "manager" in changes
    new_manager = changes.pop("manager", None)
    manager_changes = manager_given and new_manager != client.manager
    if manager_changes and by is not None and not can_reassign_client(by, client, new_manager):
        raise ApplicationError(REASSIGN_DENIED, field="manager", code="forbidden")
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise ApplicationError(gettext("A name is required."), field="name")
    if "email" in changes or "phone" in changes:
        email, phone = normalized(changes.get("email", client.email), changes.get("phone", client.phone))
        changes["email"], changes["phone"] = email, phone
    if "kind" in changes:
        check_choice(changes["kind"], Client.Kind, "kind")
    if "first_contact_channel" in changes:
        check_choice(changes["first_contact_channel"], Client.FirstContactChannel, "first_contact_channel")
    if "preferred_channels" in changes:
        changes["preferred_channels"] = clean_channels(changes["preferred_channels"])
    if "language" in changes:
        check_language(changes["language"])
    if "external_id" in changes:
        changes["external_id"] = changes["external_id"] or None
        if (
            changes["external_id"]
            and Client.objects.filter(external_id=changes["external_id"]).exclude(pk=client.pk).exists()
        ):
            raise ApplicationError(gettext("Another client has this external id."), field="external_id")
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
        event_emit(
            "client.updated",
            entity=f"client:{client.pk}",
            data={"id": client.pk, "external_id": client.external_id, "changed": sorted(set(changed))},
        )
    if tags is not None:
        _set_tags(client, tags)
    if consents:
        # An edit or a sync records opt-outs only; it never gives (or gives back) an opt-in.
        consent_apply_from_sync(
            client=client, consents=consents, source=consent_source or "client record edited", by=by
        )
    if manager_changes:
        client = client_reassign(client=client, manager=new_manager, by=by)
    return client


@transaction.atomic
def client_reassign(*, client: Client, manager: User | None, by: User | None = None, reason: str = "") -> Client:
    """Give the client a new permanent manager (None: nobody): dated history, and both managers are told.

    Who may hand a client over (`can_reassign_client`): only an administrator gives a client to another
    manager; a sales manager may take an unassigned client for themself or hand their own back to nobody.
    `by` None is the system."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if by is not None and not can_reassign_client(by, client, manager):
        raise ApplicationError(REASSIGN_DENIED, field="manager", code="forbidden")
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
    event_emit(
        "client.reassigned",
        entity=f"client:{client.pk}",
        data={
            "id": client.pk,
            "external_id": client.external_id,
            "manager": manager.pk if manager else None,
            "previous_manager": previous.pk if previous else None,
        },
    )
    if manager is not None:
        with notifications.in_user_language(manager):
            notifications.notification_enqueue_for_user(
                user=manager,
                event="client_reassigned",
                dedup_key=key,
                subject=gettext("%(name)s is now your client") % {"name": client.name},
                body=f"{client.name} was assigned to you" + (f" (was {previous})." if previous else "."),
                context={"client_id": client.pk},
            )
    if previous is not None:
        with notifications.in_user_language(previous):
            notifications.notification_enqueue_for_user(
                user=previous,
                event="client_reassigned",
                dedup_key=key,
                subject=gettext("%(name)s moved to %(manager_or__nobody)s")
                % {"name": client.name, "manager_or__nobody": manager or "nobody"},
                body=gettext("%(name)s is no longer your client; the new manager is %(manager_or__nobody)s.")
                % {"name": client.name, "manager_or__nobody": manager or "nobody"},
                context={"client_id": client.pk},
            )
    return client


@transaction.atomic
def client_upsert_by_external_id(*, external_id: str, data: dict, by: User | None = None) -> tuple[Client, bool]:
    """The ERP's PUT: create the client with this key or update it; repeating the same call changes
    nothing. `data`: client_create's keywords (contacts only count on create; of `consents`, only opt-outs
    are recorded). Returns (client, created).

    `by` (None: the system) is the actor history records, and the handover rule holds whether the record
    exists or not, so a PUT's outcome never depends on it: updating follows client_update's rules (editing,
    handing over); creating with a `manager` other than `by` is giving a client to another manager, which
    only an administrator does."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise ApplicationError(gettext("An external id is required."), field="external_id")
    manager = data.get("manager")
    if by is not None and manager is not None and not can_assign_to(by, manager):
        raise ApplicationError(REASSIGN_DENIED, field="manager", code="forbidden")
    data = {k: v for k, v in data.items() if k != "external_id"}
    if data.get("consents"):
        # The ERP's word is no evidence of an opt-in: only its opt-outs are recorded, on create as on update.
        data["consents"] = {ch: st for ch, st in data["consents"].items() if st == ChannelConsent.Status.OPT_OUT}
        data.setdefault("consent_source", "ERP sync")
    update = {k: v for k, v in data.items() if k != "contacts"}  # contacts only on create: repeat-safe
    existing = Client.objects.select_for_update().filter(external_id=external_id).first()
    if existing is not None and existing.merged_into_id:
        raise ConflictError(
            gettext("This external id belongs to a client merged into client #%(merged_into_id)s; write to that one.")
            % {"merged_into_id": existing.merged_into_id},
            extra={"merged_into": existing.merged_into_id},
        )
    if existing is not None:
        return client_update(client=existing, by=by, **update), False
    try:
        with transaction.atomic():
            return client_create(by=by, external_id=external_id, **data), True
    except (IntegrityError, ApplicationError) as exc:
        if isinstance(exc, ApplicationError) and exc.field != "external_id":
            raise
        # A concurrent PUT created it first (the unique index or the pre-check saw it): update that one.
        existing = Client.objects.select_for_update().get(external_id=external_id)
        return client_update(client=existing, by=by, **update), False


@transaction.atomic
def segment_create(*, name: str, code: str, description: str = "", is_active: bool = True) -> Segment:
    if not (name or "").strip() or not (code or "").strip():
        raise ApplicationError(gettext("A segment needs a name and a code."), field="name")
    if Segment.objects.filter(code=code).exists():
        raise ApplicationError(gettext("This code is taken."), field="code")
    return Segment.objects.create(name=name.strip(), code=code.strip(), description=description, is_active=is_active)

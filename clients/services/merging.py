"""Merging two clients that turned out to be one (administrators only)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.notifications.webhooks import event_emit
from crm.roles import is_admin

from .. import hooks
from ..models import ChannelConsent, Client, ClientMerge
from .contacts import consent_record

User = get_user_model()

# Relations the merge handles itself instead of moving rows one by one.
_MERGE_SPECIAL = {(ChannelConsent._meta.label, "client"), (ClientMerge._meta.label, "survivor")}


def _snapshot(client: Client) -> dict:
    data = model_to_dict(client, exclude=["tags"])
    data["tags"] = list(client.tags.values_list("name", flat=True))
    data["contacts"] = list(client.contacts.values("id", "name", "role", "email", "phone"))
    data["consents"] = list(client.consents.values("channel", "purpose", "status", "source"))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


@transaction.atomic
def client_merge(*, survivor: Client, loser: Client, by: User) -> ClientMerge:
    """Administrators only. Everything attached to the loser moves to the survivor (every ForeignKey to
    Client from any app, found through the model registry, so later apps are covered), except the relations
    registered with hooks.keep_on_merge (the ledger stays on the client it was recorded for and is read over the
    survivor's lineage); clients merged into the loser before now point at the survivor; consents combine
    with an opt-out winning; the loser row stays, marked merged_into the survivor, with a snapshot."""
    if not is_admin(by):
        raise ApplicationError(gettext("Only an administrator can merge clients."), code="forbidden")
    if survivor.pk == loser.pk:
        raise ApplicationError(gettext("Choose two different clients."), field="loser")
    first, second = sorted([survivor.pk, loser.pk])
    locked = {c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    survivor, loser = locked[survivor.pk], locked[loser.pk]
    if loser.merged_into_id or survivor.merged_into_id:
        raise ApplicationError(gettext("One of these clients was already merged."), field="loser")
    snapshot = _snapshot(loser)
    moved: dict[str, int] = {}
    # Keep merged_into flat: clients merged into the loser earlier now point at the survivor, so a lineage is
    # always one level (clients.selectors.client_lineage_ids). The hidden reverse relation is not in the loop below.
    for earlier in Client.objects.select_for_update().filter(merged_into=loser).order_by("pk"):
        earlier.merged_into = survivor
        earlier._history_user = by
        earlier._change_reason = f"merged into client {survivor.pk} (through client {loser.pk})"
        earlier.save(update_fields=["merged_into", "updated_at"])
        moved["clients.Client.merged_into"] = moved.get("clients.Client.merged_into", 0) + 1
    for rel in Client._meta.related_objects:
        key = (rel.related_model._meta.label, rel.field.name)
        if key in _MERGE_SPECIAL or key in hooks.kept_on_merge:
            continue
        if rel.one_to_many:
            count = rel.related_model._base_manager.filter(**{rel.field.name: loser}).update(
                **{rel.field.name: survivor}
            )
            if count:
                moved[rel.related_model._meta.label] = count
        elif rel.many_to_many:
            for obj in rel.related_model._base_manager.filter(**{rel.field.name: loser}):
                getattr(obj, rel.field.name).add(survivor)
                getattr(obj, rel.field.name).remove(loser)
                moved[rel.related_model._meta.label] = moved.get(rel.related_model._meta.label, 0) + 1
    # The loser joins the survivor's lineage before the higher apps' steps run, so what they read over the
    # lineage (purchases recomputes the survivor's account from its lineage's ledger) includes the loser.
    loser.merged_into = survivor
    loser._history_user = by
    loser._change_reason = f"merged into client {survivor.pk}"
    loser.save(update_fields=["merged_into", "updated_at"])
    # Higher apps finish their part (purchases recomputes the survivor's account), see clients/hooks.py.
    for step in hooks.merge_steps:
        moved.update(step(survivor=survivor, loser=loser) or {})
    # Consents: an opt-out from either side wins; otherwise the survivor's answer stands.
    survivor_consents = {(c.channel, c.purpose): c for c in survivor.consents.all()}
    for consent in loser.consents.all():
        mine = survivor_consents.get((consent.channel, consent.purpose))
        if mine is None or (consent.status == ChannelConsent.Status.OPT_OUT and mine.status != consent.status):
            consent_record(
                client=survivor,
                channel=consent.channel,
                purpose=consent.purpose,
                status=consent.status,
                source=f"merged from client {loser.pk}: {consent.source}"[:200],
                recorded_by=consent.recorded_by,
                at=consent.given_at,
            )
            moved["clients.ChannelConsent"] = moved.get("clients.ChannelConsent", 0) + 1
    # Tags and blank details of the survivor are filled from the loser.
    survivor.tags.add(*loser.tags.all())
    fill = []
    for field in ("email", "phone", "address", "first_contact_request"):
        if not getattr(survivor, field) and getattr(loser, field):
            setattr(survivor, field, getattr(loser, field))
            fill.append(field)
    channels = list(dict.fromkeys([*survivor.preferred_channels, *loser.preferred_channels]))
    if channels != survivor.preferred_channels:
        survivor.preferred_channels = channels
        fill.append("preferred_channels")
    if not survivor.external_id and loser.external_id:
        external_id, loser.external_id = loser.external_id, None
        loser.save(update_fields=["external_id"])
        survivor.external_id = external_id
        fill.append("external_id")
    survivor._history_user = loser._history_user = by
    survivor._change_reason = f"merged client {loser.pk} into this one"
    survivor.save(update_fields=[*fill, "updated_at"])
    # The ERP learns which record survived: the merged-away client's events end with this one.
    event_emit(
        "client.merged",
        entity=f"client:{loser.pk}",
        data={"id": loser.pk, "merged_into": survivor.pk, "external_id": loser.external_id},
    )
    return ClientMerge.objects.create(
        survivor=survivor, loser_id=loser.pk, loser_snapshot=snapshot, moved=moved, merged_by=by
    )

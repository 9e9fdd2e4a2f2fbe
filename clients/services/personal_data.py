"""A person's data: everything held about a client as one JSON document (the right of access), and erasure
(anonymise the person everywhere, the right to erasure), both administrators only and both audited.

The person is the client and every client merged into it. This module handles what the clients app and the
outbox hold; each higher app adds its own part through `clients.hooks.add_personal_data_part` (complaints,
purchases, reports), so no lower layer reads a higher one.

What an erasure keeps, because the law requires it: the ledger (purchases and their lines, amounts, dates,
the notes written on them: an accounting record is never changed) and issued invoices (number, dates,
amounts, note). The client row itself stays, renamed "Erased client #<id>", so those records still add up;
it is marked erased and no message reaches it any more."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from crm.exceptions import ApplicationError, ConflictError
from crm.models import IdempotencyRecord
from crm.notifications import services as outbox
from crm.notifications.models import Notification
from crm.roles import is_admin

from .. import hooks
from ..hooks import ERASED_TEXT, Erasure
from ..models import (
    ChannelConsent,
    Client,
    ClientMerge,
    ContactPerson,
    FollowUpTask,
    ImportJob,
    Interaction,
    ManagerAssignment,
    PersonalDataAudit,
    Promise,
)

User = get_user_model()
ADMIN_ONLY = gettext_lazy("Only an administrator can export or erase a client's personal data.")
ERASED_CONTACT = "Erased contact"
CLIENT_FIELDS = ("name", "email", "phone", "address", "external_id")


def _require_admin(by) -> None:
    if not is_admin(by):
        raise ApplicationError(ADMIN_ONLY, code="forbidden")


def person_client_ids(client: Client) -> list[int]:
    """The client and every client merged into it, however many merges deep."""
    ids, frontier = [client.pk], [client.pk]
    while frontier:
        frontier = list(Client.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
        ids += [pk for pk in frontier if pk not in ids]
    return ids


def _identifying_values(client_ids: list[int], *, strong_only: bool = False) -> list[str]:
    """Every name, email, phone, address (and each of its lines) and external id the person had, history
    included, from the clients app and from each part. `strong_only`: only those that single the person out
    (names, emails, phones, external ids), for text that is not about them alone (another client's import
    row): an address line such as "London" is scrubbed only where the row is known to be theirs."""
    rows = list(Client.objects.filter(pk__in=client_ids).values(*CLIENT_FIELDS))
    rows += list(Client.history.model.objects.filter(id__in=client_ids).values(*CLIENT_FIELDS))
    contact_fields = ("name", "email", "phone")
    rows += list(ContactPerson.objects.filter(client_id__in=client_ids).values(*contact_fields))
    rows += list(ContactPerson.history.model.objects.filter(client_id__in=client_ids).values(*contact_fields))
    values = set()
    for row in rows:
        for key, value in row.items():
            if not value or (strong_only and key == "address"):
                continue
            values.add(str(value))
            if key == "address":
                values.update(line.strip() for line in str(value).replace(",", "\n").splitlines())
    for part in hooks.personal_data_parts:
        if part.values is not None:
            values.update(v for v in part.values(client_ids=client_ids) if v)
    return sorted(values)


def _theirs(data: dict, strong: set[str]) -> bool:
    """An uploaded row is the person's when one of its values is one of their names, emails, phones or
    external ids (an import row points at no client)."""
    return any(isinstance(v, str) and v.strip().casefold() in strong for v in data.values())


# --- export ------------------------------------------------------------------------------------------------


def _rows(qs, *fields) -> list[dict]:
    return list(qs.values(*fields)) if fields else list(qs.values())


def _export_own(client_ids: list[int]) -> dict[str, list[dict]]:
    history = Client.history.model.objects.filter(id__in=client_ids).order_by("id", "history_date")
    notifications = Notification.objects.filter(client_id__in=client_ids).order_by("id")
    merges = ClientMerge.objects.filter(Q(survivor_id__in=client_ids) | Q(loser_id__in=client_ids)).order_by("id")
    strong = {v.casefold() for v in _identifying_values(client_ids, strong_only=True)}
    tags = Client.tags.through.objects
    import_rows = [
        {"import_job": job.pk, "filename": job.filename, "created_at": job.created_at, **entry}
        for job in ImportJob.objects.exclude(rows=[]).only("pk", "filename", "created_at", "rows").iterator()
        for entry in job.rows
        if _theirs(entry.get("data", {}), strong)
    ]
    return {
        "clients": [
            {**row, "tags": list(tags.filter(client_id=row["id"]).values_list("tag__name", flat=True))}
            for row in _rows(Client.objects.filter(pk__in=client_ids).order_by("id"))
        ],
        "client_history": _rows(history),
        "contacts": _rows(ContactPerson.objects.filter(client_id__in=client_ids).order_by("id")),
        "contact_history": _rows(ContactPerson.history.model.objects.filter(client_id__in=client_ids).order_by("id")),
        "consents": _rows(ChannelConsent.objects.filter(client_id__in=client_ids).order_by("id")),
        "consent_history": _rows(ChannelConsent.history.model.objects.filter(client_id__in=client_ids).order_by("id")),
        "manager_assignments": _rows(ManagerAssignment.objects.filter(client_id__in=client_ids).order_by("id")),
        "interactions": _rows(Interaction.objects.filter(client_id__in=client_ids).order_by("id")),
        "promises": _rows(Promise.objects.filter(client_id__in=client_ids).order_by("id")),
        "tasks": _rows(FollowUpTask.objects.filter(client_id__in=client_ids).order_by("id")),
        "merges": _rows(merges),
        "import_rows": import_rows,
        "messages": _rows(
            notifications,
            "id", "event", "channel", "status", "subject", "body", "context", "created_at", "sent_at",
        ),
        "personal_data_audit": _rows(PersonalDataAudit.objects.filter(client_id__in=client_ids).order_by("id")),
    }  # fmt: skip


@transaction.atomic
def personal_data_export(*, client: Client, by: User) -> dict:
    """Everything held about the person, as JSON-ready sections of rows, and an audit entry saying who took
    it and how many rows of each section it held."""
    _require_admin(by)
    client_ids = person_client_ids(client)
    sections = _export_own(client_ids)
    for part in hooks.personal_data_parts:
        sections.update(part.export(client_ids=client_ids))
    counts = {name: len(rows) for name, rows in sections.items() if rows}
    audit = PersonalDataAudit.objects.create(
        action=PersonalDataAudit.Action.EXPORT, client_id=client.pk, by=by, counts=counts
    )
    return {
        "client_id": client.pk,
        "client_ids": client_ids,
        "exported_at": audit.at,
        "exported_by": by.get_username(),
        "erased_at": client.erased_at,
        "sections": sections,
    }


# --- erase -------------------------------------------------------------------------------------------------


def _erase_clients(client_ids: list[int], erasure: Erasure, strong_values: list[str], by: User, now) -> dict[str, int]:
    counts: dict[str, int] = {}
    for person in Client.objects.filter(pk__in=client_ids):
        person.name = f"Erased client #{person.pk}"
        person.email = person.phone = person.address = person.first_contact_request = ""
        person.external_id = None
        person.preferred_channels = []
        person.interests = []
        person.erased_at = now
        person._history_user = by
        person._change_reason = "personal data erased"
        person.save()
        History = Client.history.model
        counts["clients.HistoricalClient"] = counts.get("clients.HistoricalClient", 0) + History.objects.filter(
            id=person.pk
        ).update(
            name=person.name, email="", phone="", address="", first_contact_request="", external_id=None, interests=[]
        )
    counts["clients.Client"] = len(client_ids)
    contact_blank = {"name": ERASED_CONTACT, "role": "", "email": "", "phone": ""}
    counts["clients.ContactPerson"] = ContactPerson.objects.filter(client_id__in=client_ids).update(**contact_blank)
    counts["clients.HistoricalContactPerson"] = ContactPerson.history.model.objects.filter(
        client_id__in=client_ids
    ).update(**contact_blank)
    # No more messages: every channel opted out (the erased flag also stops new ones being queued).
    counts["clients.ChannelConsent"] = ChannelConsent.objects.filter(client_id__in=client_ids).update(
        status=ChannelConsent.Status.OPT_OUT, source="personal data erased", given_at=now, recorded_by=by
    )
    counts["clients.HistoricalChannelConsent"] = erasure.scrub_rows(
        ChannelConsent.history.model.objects.filter(client_id__in=client_ids), ["source"]
    )
    counts["clients.Interaction"] = Interaction.objects.filter(client_id__in=client_ids).update(
        summary=ERASED_TEXT, next_step="", updated_at=now
    )
    counts["clients.Promise"] = Promise.objects.filter(client_id__in=client_ids).update(
        text=ERASED_TEXT, resolution="", updated_at=now
    )
    tasks = FollowUpTask.objects.filter(client_id__in=client_ids)
    counts["clients.FollowUpTask"] = erasure.scrub_rows(tasks, ["title"]) + tasks.exclude(details="").update(
        details="", updated_at=now
    )
    counts["clients.ManagerAssignment"] = erasure.scrub_rows(
        ManagerAssignment.objects.filter(client_id__in=client_ids), ["reason"]
    )
    merges = ClientMerge.objects.filter(Q(survivor_id__in=client_ids) | Q(loser_id__in=client_ids))
    changed = []
    for merge in merges:
        merge.loser_snapshot = {"id": merge.loser_id, "erased": True}
        changed.append(merge)
    ClientMerge.objects.bulk_update(changed, ["loser_snapshot"])
    counts["clients.ClientMerge"] = len(changed)
    counts["clients.ImportJob"] = _erase_import_rows(erasure, strong_values)
    counts.update(_erase_messages(client_ids, erasure))
    return counts


def _erase_import_rows(erasure: Erasure, strong_values: list[str]) -> int:
    """Uploaded rows that are the person's lose every text value (the name becomes the placeholder); other
    rows and every row error keep their text with the person's names, emails and phones replaced (an error
    may say "Already a client: <their name>"). In every import still holding its rows (retention empties
    old ones)."""
    strong = {v.casefold() for v in strong_values}
    names = Erasure(client_ids=erasure.client_ids, placeholder=erasure.placeholder, values=strong_values)
    changed = []
    for job in ImportJob.objects.exclude(rows=[], errors=[]).only("pk", "rows", "errors").iterator():
        rows = []
        for entry in job.rows:
            data = entry.get("data", {})
            if isinstance(data, dict) and _theirs(data, strong):
                data = {k: ("" if isinstance(v, str) else v) for k, v in erasure.scrub(data).items()}
                data["name"] = erasure.placeholder
                entry = {**entry, "data": data}
            rows.append(names.scrub(entry))
        errors = names.scrub(job.errors)
        if rows != job.rows or errors != job.errors:
            job.rows, job.errors = rows, errors
            changed.append(job)
    ImportJob.objects.bulk_update(changed, ["rows", "errors"], batch_size=50)
    return len(changed)


def _erase_messages(client_ids: list[int], erasure: Erasure) -> dict[str, int]:
    """Messages to the person lose their text (and the SMS file backend's copy); staff messages about them
    keep their text with the person's name and details replaced."""
    to_them = Notification.objects.filter(client_id__in=client_ids)
    promise_ids = set(Promise.objects.filter(client_id__in=client_ids).values_list("pk", flat=True))
    about_them = Notification.objects.filter(client__isnull=True).filter(
        Q(context__client_id__in=client_ids) | Q(event="promises_overdue")
    )
    about_them = [
        row
        for row in about_them
        if row.context.get("client_id") in client_ids or promise_ids & set(row.context.get("promise_ids", []))
    ]
    return {
        "notifications.Notification": outbox.notifications_redact(rows=to_them, scrub=erasure.scrub, blank_body=True)
        + outbox.notifications_redact(rows=about_them, scrub=erasure.scrub),
        "crm.IdempotencyRecord": _erase_api_replays(erasure),
    }


def _erase_api_replays(erasure: Erasure) -> int:
    """Stored API answers (kept a day for Idempotency-Key replays) that mention the person are forgotten: a
    replay after the erasure must not hand their details back."""
    doomed = [
        pk
        for pk, body in IdempotencyRecord.objects.values_list("pk", "body").iterator()
        if erasure.mentions(bytes(body).decode("utf-8", "replace"))
    ]
    return IdempotencyRecord.objects.filter(pk__in=doomed).delete()[0]


@transaction.atomic
def client_personal_data_erase(*, client: Client, by: User) -> PersonalDataAudit:
    """Anonymise the person everywhere (see the module docstring for what the law makes us keep). Once only;
    the audit entry counts the rows changed per table."""
    _require_admin(by)
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.erased_at is not None:
        raise ConflictError(gettext("This client's personal data was already erased."))
    client_ids = person_client_ids(client)
    erasure = Erasure(
        client_ids=client_ids, placeholder=f"Erased client #{client.pk}", values=_identifying_values(client_ids)
    )
    strong_values = _identifying_values(client_ids, strong_only=True)  # read before anything is anonymised
    now = timezone.now()
    counts = _erase_clients(client_ids, erasure, strong_values, by, now)
    for part in hooks.personal_data_parts:
        counts.update(part.erase(erasure=erasure))
    counts = {table: n for table, n in counts.items() if n}
    return PersonalDataAudit.objects.create(
        action=PersonalDataAudit.Action.ERASE, client_id=client.pk, by=by, at=now, counts=counts
    )

"""Importing an existing client base from CSV or XLSX: parse and check every row first (the preview shows
row number, field and message), import only after confirmation, in a Celery task that reports progress
(clients/import_running.py). A file with errors imports nothing unless the bad rows are explicitly skipped.

The checks are set-based: known emails, phones and external ids are looked up a chunk of values at a time,
never one query per row (a file has up to MAX_ROWS rows)."""

import contextlib
import csv
import io
import zipfile

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.roles import Role, is_admin

from .models import Client, ContactPerson, ImportJob, Segment
from .normalize import normalize_email, normalize_phone
from .services.rights import REASSIGN_DENIED

COLUMNS = [
    "name",
    "kind",
    "email",
    "phone",
    "address",
    "segment",
    "status",
    "manager",
    "external_id",
    "tags",
    "first_contact_channel",
]
MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 2**20  # the upload form's limit too
MAX_XLSX_UNPACKED_BYTES = 64 * 2**20  # what an XLSX may inflate to: 20,000 rows take a few MB
MAX_COLUMNS = 64  # cells read per XLSX row; the import knows a dozen columns
LOOKUP_CHUNK = 500  # values per `__in` lookup: well under every database's limit on query parameters
NUL = "\x00"  # PostgreSQL stores no NUL character, in text or in JSON: it never gets past the preview


def _read_rows(filename: str, content: bytes) -> list[dict]:
    """The file's rows as dicts keyed by the lower-cased header, at most MAX_ROWS of them; a file too big to
    read safely, not UTF-8 or not a readable spreadsheet is an ApplicationError on the file field."""
    if len(content) > MAX_FILE_BYTES:
        raise ApplicationError(
            gettext("The file is larger than %(megabytes)s MB.") % {"megabytes": MAX_FILE_BYTES // 2**20},
            field="file",
        )
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def _too_many_rows() -> ApplicationError:
    return ApplicationError(
        gettext("At most %(MAX_ROWS)s rows per file; split it.") % {"MAX_ROWS": MAX_ROWS}, field="file"
    )


def _read_csv(content: bytes) -> list[dict]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Never guessed as Latin-1: a wrong guess would store garbled names and addresses without a word.
        line = content[: exc.start].count(b"\n") + 1
        raise ApplicationError(
            gettext(
                "The file is not UTF-8 text (line %(line)s holds bytes that are not UTF-8). "
                'Save it as "CSV UTF-8" and upload it again.'
            )
            % {"line": line},
            field="file",
        ) from exc
    dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    rows = []
    try:
        reader.fieldnames = [(f or "").strip().lower() for f in reader.fieldnames or []]
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise _too_many_rows()
            rows.append({k: (v or "").strip() for k, v in row.items() if k})
    except csv.Error as exc:
        raise ApplicationError(gettext("This CSV file cannot be read: %(exc)s.") % {"exc": exc}, field="file") from exc
    return rows


def _read_xlsx(content: bytes) -> list[dict]:
    """Streams the first sheet (openpyxl's read-only mode) after checking what the archive unpacks to, so a
    small zip bomb is refused before anything is inflated, and stops at MAX_ROWS rows."""
    from openpyxl import load_workbook

    unreadable = ApplicationError(gettext("This is not a readable XLSX file."), field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # The sizes are the archive's own claims; zipfile stops inflating a member at its claimed size.
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise unreadable from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ApplicationError(
            gettext("The XLSX file unpacks to more than %(megabytes)s MB; save it as CSV or split it.")
            % {"megabytes": MAX_XLSX_UNPACKED_BYTES // 2**20},
            field="file",
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise unreadable from exc
    try:
        values = workbook.active.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        first = next(values, None)
        if first is None:
            return []
        header = [str(h or "").strip().lower() for h in first]
        rows = []
        for row in values:
            if len(rows) == MAX_ROWS:
                raise _too_many_rows()
            rows.append(
                {header[i]: ("" if v is None else str(v).strip()) for i, v in enumerate(row) if i < len(header)}
            )
        return rows
    except ApplicationError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid archive
        raise unreadable from exc
    finally:
        workbook.close()


def _without_nul(raw: dict) -> tuple[dict, list[str]]:
    """The row with every NUL character taken out, and the fields that had one."""
    if not any(NUL in key or NUL in value for key, value in raw.items()):
        return raw, []
    clean = {key.replace(NUL, ""): value.replace(NUL, "") for key, value in raw.items()}
    return clean, [key.replace(NUL, "") for key, value in raw.items() if NUL in key or NUL in value]


def _chunks(values: set[str]):
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start : start + LOOKUP_CHUNK]


def _known_contacts(rows: list[dict]) -> dict[str, str]:
    """Normalised emails and phones of the file that already belong to a client (or a contact person),
    found in a few set queries instead of one per row."""
    values = set()
    for raw in rows:
        for field, normalize in (("email", normalize_email), ("phone", normalize_phone)):
            with contextlib.suppress(ValidationError):
                value = normalize(raw.get(field, ""))
                if value:
                    values.add(value)
    known: dict[str, str] = {}
    for part in _chunks(values):
        for pk, name, email, phone in Client.objects.filter(
            Q(email__in=part) | Q(phone__in=part), merged_into__isnull=True
        ).values_list("pk", "name", "email", "phone"):
            for value in (email, phone):
                known.setdefault(value, f"{name} (#{pk})")
        for pk, name, email, phone in ContactPerson.objects.filter(Q(email__in=part) | Q(phone__in=part)).values_list(
            "client_id", "client__name", "email", "phone"
        ):
            for value in (email, phone):
                known.setdefault(value, f"{name} (#{pk})")
    return known


def _known_external_ids(rows: list[dict]) -> set[str]:
    """The file's external ids that a client already has: one query per LOOKUP_CHUNK ids."""
    wanted = {raw.get("external_id", "").strip() for raw in rows} - {""}
    known: set[str] = set()
    for part in _chunks(wanted):
        known.update(Client.objects.filter(external_id__in=part).values_list("external_id", flat=True))
    return known


def check_rows(rows: list[dict], by=None) -> tuple[list[dict], list[dict]]:
    """Normalise and check rows; returns ([{row, data}], [{row, field, message}]). Row 1 is the header.
    A `manager` other than `by` (who imports) is giving clients to a colleague: administrators only."""
    pairs = list(Segment.objects.values_list("code", "name"))
    segments = {code.lower(): code for code, _ in pairs} | {name.lower(): code for code, name in pairs}
    managers = set(get_user_model().objects.filter(groups__name=Role.SALES_MANAGER).values_list("username", flat=True))
    cleaned = [_without_nul(raw) for raw in rows]
    rows = [raw for raw, _ in cleaned]
    known = _known_contacts(rows)
    known_external_ids = _known_external_ids(rows)
    external_ids = set()
    seen_contacts: dict[str, int] = {}
    checked, errors = [], []
    for number, (raw, nul_fields) in enumerate(cleaned, start=2):
        if not any(raw.values()):
            continue
        data, row_errors = {}, []

        def err(field, message, number=number, row_errors=row_errors):
            row_errors.append({"row": number, "field": field, "message": message})

        for field in nul_fields:
            err(field, "Contains a NUL character (\\x00), which cannot be stored; remove it from the file.")

        data["name"] = raw.get("name", "").strip()
        if not data["name"]:
            err("name", "A name is required.")
        data["kind"] = (raw.get("kind") or Client.Kind.COMPANY).lower()
        if data["kind"] not in Client.Kind.values:
            err("kind", f"{raw.get('kind')!r} is not person or company.")
        try:
            data["email"] = normalize_email(raw.get("email", ""))
        except ValidationError:
            err("email", f"{raw.get('email')!r} is not a valid email address.")
        try:
            data["phone"] = normalize_phone(raw.get("phone", ""))
        except ValidationError as exc:
            err("phone", exc.messages[0])
        data["address"] = raw.get("address", "")
        segment = raw.get("segment", "").strip().lower()
        data["segment"] = segments.get(segment) if segment else None
        if segment and not data["segment"]:
            err("segment", f"Unknown segment {raw.get('segment')!r}.")
        data["status"] = (raw.get("status") or Client.Status.LEAD).lower()
        if data["status"] not in Client.Status.values:
            err("status", f"{raw.get('status')!r} is not lead, active, dormant or lost.")
        data["manager"] = raw.get("manager", "").strip() or None
        if data["manager"] and data["manager"] not in managers:
            err("manager", f"No sales manager with the username {data['manager']!r}.")
        elif data["manager"] and by is not None and data["manager"] != by.get_username() and not is_admin(by):
            err("manager", str(REASSIGN_DENIED))
        data["external_id"] = raw.get("external_id", "").strip() or None
        if data["external_id"]:
            if data["external_id"] in external_ids:
                err("external_id", "This external id appears twice in the file.")
            elif data["external_id"] in known_external_ids:
                err("external_id", "A client with this external id already exists.")
            external_ids.add(data["external_id"])
        data["tags"] = [t.strip() for t in raw.get("tags", "").replace(";", ",").split(",") if t.strip()]
        data["first_contact_channel"] = (raw.get("first_contact_channel") or "other").lower()
        if data["first_contact_channel"] not in Client.FirstContactChannel.values:
            err("first_contact_channel", f"Unknown channel {raw.get('first_contact_channel')!r}.")
        for field in ("email", "phone"):
            value = data.get(field)
            if not value:
                continue
            if value in seen_contacts:
                err(field, f"Same {field} as row {seen_contacts[value]}.")
            else:
                seen_contacts[value] = number
            if value in known:
                err(field, f"Already a client: {known[value]}.")
        errors += row_errors
        checked.append({"row": number, "data": data, "ok": not row_errors})
    return checked, errors


@transaction.atomic
def import_job_create(*, filename: str, content: bytes, by) -> ImportJob:
    rows = _read_rows(filename, content)
    if not rows:
        raise ApplicationError(gettext("The file has no rows under its header."), field="file")
    if len(rows) > MAX_ROWS:
        raise ApplicationError(
            gettext("At most %(MAX_ROWS)s rows per file; split it.") % {"MAX_ROWS": MAX_ROWS}, field="file"
        )
    missing = {"name"} - set(rows[0])
    if missing:
        raise ApplicationError(gettext("The header row needs a 'name' column."), field="file")
    checked, errors = check_rows(rows, by=by)
    return ImportJob.objects.create(
        filename=filename.replace(NUL, "")[:200], rows=checked, errors=errors, total=len(checked), created_by=by
    )


@transaction.atomic
def import_job_confirm(*, job: ImportJob, skip_bad_rows: bool, by) -> ImportJob:
    """Queue the import; only who uploaded the file or an administrator starts it."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not (is_admin(by) or job.created_by_id == by.pk):
        raise ApplicationError(gettext("This import belongs to someone else."), code="forbidden")
    if job.status != ImportJob.Status.PREVIEW:
        raise ApplicationError(gettext("This import has already started."))
    if job.errors and not skip_bad_rows:
        raise ApplicationError(gettext("Fix the errors and upload again, or choose to skip the bad rows."))
    job.skip_bad_rows = skip_bad_rows
    job.status = ImportJob.Status.QUEUED
    job.queued_at = timezone.now()
    job.save(update_fields=["skip_bad_rows", "status", "queued_at"])
    from . import tasks

    tasks.import_run.delay_on_commit(job_id=job.pk)
    return job

"""Running a confirmed client import so that nothing is lost or written twice when a worker dies.

The rows are written in chunks of CHUNK_SIZE. Each chunk is one transaction that locks the job, checks that
this run still holds it, creates the chunk's clients and moves the cursor (`processed`) and the lease: a
crash loses at most the chunk under way, whose rows roll back with it, and the next run starts at the
cursor, so no row is written twice.

A run holds the job by a lease (`leased_by`, `leased_until`), taken with select_for_update(skip_locked) and
renewed with every chunk. A job whose lease is live is never run twice at once: a redelivered task (late
acknowledgement) or a second queued run finds it held and leaves. When the lease runs out (the worker was
killed, or lost the database), the periodic sweep queues a run that takes the job over and resumes it.

A job that cannot go on ends FAILED with the reason in `message`: a row the database refuses, a NUL
character, the worker's time limit, or MAX_ATTEMPTS runs in a row that stopped without writing a chunk.
A run hands the job on to a fresh task after half the task's soft time limit, so a large file never meets
that limit."""

import logging
import time
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from crm.exceptions import ApplicationError
from crm.leases import lease_owner, no_live_lease, not_queued_lately
from crm.roles import Role

from . import services
from .models import ImportJob, Segment

logger = logging.getLogger(__name__)

User = get_user_model()

CHUNK_SIZE = 500
# The lease is longer than a chunk takes, and a run renews it with every chunk; while a run writes a chunk it
# also holds the job's row lock, so even a run slower than its lease is never taken over mid-chunk. A fault
# test with real workers may shorten it with the setting CLIENT_IMPORT_LEASE_SECONDS.
LEASE_SECONDS = 120
MAX_ATTEMPTS = 3
# A queued run that no worker took for this long (lost with its message, or a long queue) is queued again;
# a second message is harmless, the lease lets one run through.
REQUEUE_AFTER = timedelta(minutes=10)
# The database went away: no use marking the job; its lease runs out and the sweep resumes it.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
NUL = "\x00"

Status = ImportJob.Status


class _LeaseLost(Exception):
    """Another run took the job over (this one was too slow) or it ended: stop without touching it."""


class _CannotGoOn(Exception):
    """The job fails with this message as its reason."""


def import_job_run(*, job_id: int, run_seconds: float | None = None) -> ImportJob | None:
    """Take the job's lease and write its rows from the cursor, a chunk per transaction. Does nothing when
    another run holds a live lease. After `run_seconds` (default: half the task's soft time limit) the job
    is handed to a fresh task. Returns the job as it stands after this run."""
    token = lease_owner()
    job = _lease_take(job_id=job_id, token=token)
    if job is None:
        return ImportJob.objects.defer("rows", "errors").filter(pk=job_id).first()
    if run_seconds is None:
        run_seconds = getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", None) or 240
        run_seconds /= 2
    deadline = time.monotonic() + run_seconds
    entries = job.rows
    cursor = job.processed
    context = {
        "by": User.objects.get(pk=job.created_by_id),
        "users": {u.username: u for u in User.objects.filter(groups__name=Role.SALES_MANAGER)},
        "segments": {s.code: s for s in Segment.objects.all()},
    }
    try:
        while cursor < len(entries):
            chunk = entries[cursor : cursor + CHUNK_SIZE]
            try:
                _chunk_write(job_id=job_id, token=token, start=cursor, entries=chunk, **context)
            except SoftTimeLimitExceeded:
                raise _CannotGoOn(
                    f"The import ran past the worker's time limit while writing {_rows_label(chunk)}; "
                    "those rows were not kept."
                ) from None
            cursor += len(chunk)
            if cursor < len(entries) and time.monotonic() >= deadline:
                _hand_off(job_id=job_id, token=token)
                break
        else:
            _finish(job_id=job_id, token=token)
    except _LeaseLost:
        logger.info("Import %s was taken over by another run; this one stops.", job_id)
    except TRANSIENT_ERRORS:
        raise
    except _CannotGoOn as exc:
        _fail(job_id=job_id, token=token, reason=str(exc))
    except Exception as exc:  # a fault no second run would get past
        logger.exception("Import %s failed.", job_id)
        rows = _rows_label(entries[cursor : cursor + CHUNK_SIZE])
        _fail(job_id=job_id, token=token, reason=f"An unexpected error stopped the import at {rows}: {exc!r:.300}.")
    return ImportJob.objects.defer("rows", "errors").filter(pk=job_id).first()


def import_jobs_sweep(*, now: datetime | None = None) -> list[int]:
    """The periodic job: queue a run for every job that waits for one (its lease ran out, or its queued run
    was lost), and fail those whose runs kept stopping without writing anything. Returns the jobs handled."""
    now = now or timezone.now()
    handled = []
    for pk in ImportJob.objects.filter(_waits_for_a_run(now)).values_list("pk", flat=True):
        if _sweep_one(job_id=pk, now=now):
            handled.append(pk)
    return handled


def _waits_for_a_run(now: datetime) -> Q:
    running_without_a_lease = Q(status=Status.RUNNING) & no_live_lease(now)
    return (Q(status=Status.QUEUED) | running_without_a_lease) & not_queued_lately(now, REQUEUE_AFTER)


@transaction.atomic
def _sweep_one(*, job_id: int, now: datetime) -> bool:
    job = (
        ImportJob.objects.select_for_update(skip_locked=True)
        .defer("rows", "errors")
        .filter(_waits_for_a_run(now), pk=job_id)
        .first()
    )
    if job is None:  # a run holds it (locked mid-chunk, or took it since)
        return False
    if job.status == Status.RUNNING and job.attempts >= MAX_ATTEMPTS:
        _mark_failed(job, reason=_too_many_attempts(job), now=now)
        return True
    job.queued_at = now
    job.save(update_fields=["queued_at"])
    _queue_run(job.pk)
    return True


@transaction.atomic
def _lease_take(*, job_id: int, token: str) -> ImportJob | None:
    now = timezone.now()
    job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
    if job is None:  # gone, or a run is writing a chunk right now
        return None
    lease_live = job.leased_until is not None and job.leased_until > now
    if job.status not in (Status.QUEUED, Status.RUNNING) or (job.status == Status.RUNNING and lease_live):
        return None
    if job.attempts >= MAX_ATTEMPTS:
        _mark_failed(job, reason=_too_many_attempts(job), now=now)
        return None
    job.status = Status.RUNNING
    job.leased_by = token
    job.leased_until = now + _lease()
    job.attempts += 1
    job.queued_at = None
    job.save(update_fields=["status", "leased_by", "leased_until", "attempts", "queued_at"])
    return job


def _held(*, job_id: int, token: str) -> ImportJob:
    """The job, locked, if this run still holds it."""
    job = ImportJob.objects.select_for_update().defer("rows", "errors").get(pk=job_id)
    if job.status != Status.RUNNING or job.leased_by != token:
        raise _LeaseLost
    return job


@transaction.atomic
def _chunk_write(
    *,
    job_id: int,
    token: str,
    start: int,
    entries: list[dict],
    by: User,
    users: dict[str, User],
    segments: dict[str, Segment],
) -> None:
    """Create the clients of one chunk and move the cursor past it, all or nothing."""
    job = _held(job_id=job_id, token=token)
    if job.processed != start:
        raise _LeaseLost
    created = skipped = 0
    for entry in entries:
        if not entry["ok"]:
            skipped += 1
            continue
        data = dict(entry["data"])
        _refuse_unstorable(entry["row"], data)
        data["manager"] = users.get(data["manager"]) if data.get("manager") else None
        data["segment"] = segments.get(data["segment"]) if data.get("segment") else None
        try:
            with transaction.atomic():
                services.client_create(by=by, allow_duplicate=False, **data)
        except ApplicationError:  # became a duplicate since the preview: leave it out
            skipped += 1
            continue
        except TRANSIENT_ERRORS:
            raise
        except (DatabaseError, ValueError) as exc:
            raise _CannotGoOn(f"Row {entry['row']} could not be saved: {_first_line(exc)}.") from exc
        created += 1
    job.processed = start + len(entries)
    job.created_count += created
    job.skipped_count += skipped
    job.leased_until = timezone.now() + _lease()
    job.attempts = 0  # this run got somewhere: only runs that stop without writing count towards the limit
    job.save(update_fields=["processed", "created_count", "skipped_count", "leased_until", "attempts"])


def _refuse_unstorable(row: int, data: dict) -> None:
    """The preview keeps NUL characters out; a job checked before it did may still hold some."""
    for field, value in data.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and NUL in v for v in values):
            raise _CannotGoOn(f"Row {row}: the {field} contains a NUL character (\\x00), which cannot be stored.")


@transaction.atomic
def _hand_off(*, job_id: int, token: str) -> None:
    job = _held(job_id=job_id, token=token)
    job.leased_by, job.leased_until, job.queued_at = "", None, timezone.now()
    job.save(update_fields=["leased_by", "leased_until", "queued_at"])
    _queue_run(job.pk)


@transaction.atomic
def _finish(*, job_id: int, token: str) -> None:
    job = _held(job_id=job_id, token=token)
    job.status = Status.DONE
    job.finished_at = timezone.now()
    job.message = f"{job.created_count} clients imported, {job.skipped_count} rows skipped."
    job.leased_by, job.leased_until = "", None
    job.save(update_fields=["status", "finished_at", "message", "leased_by", "leased_until"])


@transaction.atomic
def _fail(*, job_id: int, token: str, reason: str) -> None:
    try:
        job = _held(job_id=job_id, token=token)
    except _LeaseLost:
        return
    _mark_failed(job, reason=reason, now=timezone.now())


def _mark_failed(job: ImportJob, *, reason: str, now: datetime) -> None:
    job.status = Status.FAILED
    job.message = reason
    job.finished_at = now
    job.leased_by, job.leased_until, job.queued_at = "", None, None
    job.save(update_fields=["status", "message", "finished_at", "leased_by", "leased_until", "queued_at"])


def _too_many_attempts(job: ImportJob) -> str:
    return (
        f"The import stopped {job.attempts} times in a row without getting any further (its worker was "
        f"stopped or lost the database), after {job.processed} of {job.total} rows; it is not tried again."
    )


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "CLIENT_IMPORT_LEASE_SECONDS", LEASE_SECONDS))


def _queue_run(job_id: int) -> None:
    from . import tasks

    tasks.import_run.delay_on_commit(job_id=job_id)


def _rows_label(entries: list[dict]) -> str:
    if not entries:
        return "the end of the file"
    first, last = entries[0]["row"], entries[-1]["row"]
    return f"row {first}" if first == last else f"rows {first}–{last}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__

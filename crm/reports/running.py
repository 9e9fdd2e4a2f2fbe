"""Report runs that survive their worker: the reports of a period made one step (one report) at a time.

A run is a ReportRun row. Each step computes one report, reading only (outside any transaction, on the read
replica where the report reads from it), then in one transaction on the primary locks the run, checks that
this worker still holds it and that the cursor is where the step started, saves the snapshot with its rows
and moves the cursor and the lease. A worker that dies loses at most the step under way (nothing of it was
written); the next run starts at the cursor, and a snapshot points to its run once per kind (a unique
constraint), so no report of a run is ever saved twice.

A run holds the job by a lease (`leased_by`, `leased_until`) taken with select_for_update(skip_locked) and
renewed before each step. A step's computation holds no lock, so the lease must outlast the longest step: by
default it outlasts the report task's hard time limit, after which no worker can still be computing for it.
When the lease has run out (the worker was killed, or lost the database), the periodic sweep queues a run
that takes the job over and resumes it from the cursor.

A report that fails (an error no second try would get past, or the worker's soft time limit) is given up:
its reason goes to `step_errors`, the cursor moves past it and the other reports are still made; the run
then ends FAILED with the reasons. A run that stopped MAX_ATTEMPTS times in a row without finishing a step
ends FAILED too. A run hands the job on to a fresh task after half the task's soft time limit."""

import logging
import time
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from crm.leases import lease_owner, no_live_lease, not_queued_lately

from . import services
from .models import ReportKind, ReportPeriod, ReportRun

logger = logging.getLogger(__name__)

Status = ReportRun.Status
ACTIVE = (Status.QUEUED, Status.RUNNING)
# Longer than the report task's hard time limit (tasks.LIMITS, 2100 s): once it has run out, no worker can
# still be computing a step of the run. A fault test with real workers shortens it with the setting
# REPORT_RUN_LEASE_SECONDS.
LEASE_SECONDS = 2160
MAX_ATTEMPTS = 3
# A queued run that no worker took for this long is queued again; a second message is harmless.
REQUEUE_AFTER = timedelta(minutes=10)
# The database went away: no use marking the run; its lease runs out and the sweep resumes it.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Half the report task's soft time limit (1800 s): a run hands on to a fresh task after it.
RUN_SECONDS = 900


class _LeaseLost(Exception):
    """Another run took the job over, or it ended: stop without touching it."""


def report_run_start(
    *, period: str, as_of: datetime | None = None, kinds: list[str] | None = None, by=None, queue: bool = True
) -> ReportRun:
    """A new run of the reports of `period` as of `as_of` (default: the start of today), queued on the bulk
    queue after commit. An active run for the same period and moment is returned instead of a second one."""
    if period not in ReportPeriod.values:
        raise ApplicationError(_("Choose weekly or monthly."), field="period")
    kinds = list(kinds or ReportKind.values)
    if not kinds or any(k not in ReportKind.values for k in kinds):
        raise ApplicationError(_("Unknown report."), field="kinds")
    as_of = as_of or services.period_end_default()
    if timezone.is_naive(as_of):
        raise ApplicationError(_("The report date needs a time zone."), field="as_of")
    with transaction.atomic():
        active = ReportRun.objects.filter(period=period, as_of=as_of, status__in=ACTIVE).first()
        if active is not None:
            return active
        try:
            with transaction.atomic():
                run = ReportRun.objects.create(
                    period=period,
                    as_of=as_of,
                    kinds=list(dict.fromkeys(kinds)),
                    created_by=by,
                    queued_at=timezone.now() if queue else None,
                )
        except IntegrityError:  # started at the same moment by someone else: theirs is the run
            return ReportRun.objects.get(period=period, as_of=as_of, status__in=ACTIVE)
        if queue:
            _queue_run(run.pk)
    return run


def report_run_execute(*, run_id: int, run_seconds: float | None = None) -> ReportRun | None:
    """Take the run's lease and make its reports from the cursor, one per transaction. Does nothing when
    another run holds a live lease. Returns the run as it stands afterwards."""
    token = lease_owner()
    run = _lease_take(run_id=run_id, token=token)
    if run is None:
        return ReportRun.objects.filter(pk=run_id).first()
    deadline = time.monotonic() + (RUN_SECONDS if run_seconds is None else run_seconds)
    cursor = run.cursor
    try:
        while cursor < len(run.kinds):
            _step(run=run, token=token, start=cursor)
            cursor += 1
            if cursor < len(run.kinds) and time.monotonic() >= deadline:
                _hand_off(run_id=run_id, token=token)
                break
        else:
            _finish(run_id=run_id, token=token)
    except _LeaseLost:
        logger.info("Report run %s was taken over by another run; this one stops.", run_id)
    return ReportRun.objects.filter(pk=run_id).first()


def _step(*, run: ReportRun, token: str, start: int) -> None:
    """Make report number `start` of the run, or give it up with its reason; either moves the cursor."""
    kind = run.kinds[start]
    _lease_renew(run_id=run.pk, token=token, start=start)
    started = time.monotonic()
    try:
        computed = services.report_compute(kind=kind, period=run.period, as_of=run.as_of)
        _step_write(run_id=run.pk, token=token, start=start, kind=kind, computed=computed, started=started)
    except (_LeaseLost, *TRANSIENT_ERRORS):
        raise
    except SoftTimeLimitExceeded:
        _step_give_up(run_id=run.pk, token=token, start=start, reason=_("It ran past the worker's time limit."))
    except Exception as exc:  # a fault no second run would get past: the other reports are still made
        logger.exception("Report run %s: the %s report failed.", run.pk, kind)
        _step_give_up(run_id=run.pk, token=token, start=start, reason=f"{exc!r:.300}")


@transaction.atomic
def _step_write(*, run_id: int, token: str, start: int, kind: str, computed: tuple, started: float) -> None:
    """Save one report's snapshot and move the cursor past it, all or nothing."""
    run = _held(run_id=run_id, token=token, start=start)
    services.report_snapshot_save(
        kind=kind, period=run.period, as_of=run.as_of, computed=computed, started=started, run=run
    )
    run.cursor = start + 1
    run.leased_until = timezone.now() + _lease()
    run.attempts = 0  # this run got somewhere: only runs that stop without a step count towards the limit
    run.save(update_fields=["cursor", "leased_until", "attempts", "updated_at"])


@transaction.atomic
def _step_give_up(*, run_id: int, token: str, start: int, reason: str) -> None:
    run = _held(run_id=run_id, token=token, start=start)
    run.step_errors = {**run.step_errors, run.kinds[start]: reason}
    run.cursor = start + 1
    run.leased_until = timezone.now() + _lease()
    run.attempts = 0
    run.save(update_fields=["step_errors", "cursor", "leased_until", "attempts", "updated_at"])


@transaction.atomic
def _lease_renew(*, run_id: int, token: str, start: int) -> None:
    run = _held(run_id=run_id, token=token, start=start)
    run.leased_until = timezone.now() + _lease()
    run.save(update_fields=["leased_until", "updated_at"])


def report_runs_sweep(*, now: datetime | None = None) -> list[int]:
    """The periodic job: queue a run for every report run that waits for one (its lease ran out, or its
    queued run was lost), and fail those whose runs kept stopping. Returns the runs handled."""
    now = now or timezone.now()
    handled = []
    for pk in ReportRun.objects.filter(_waits_for_a_run(now)).values_list("pk", flat=True):
        if _sweep_one(run_id=pk, now=now):
            handled.append(pk)
    return handled


def _waits_for_a_run(now: datetime) -> Q:
    return Q(status__in=ACTIVE) & no_live_lease(now) & not_queued_lately(now, REQUEUE_AFTER)


@transaction.atomic
def _sweep_one(*, run_id: int, now: datetime) -> bool:
    run = ReportRun.objects.select_for_update(skip_locked=True).filter(_waits_for_a_run(now), pk=run_id).first()
    if run is None:  # a run holds it (locked mid-step, or took it since)
        return False
    if run.attempts >= MAX_ATTEMPTS:
        _mark_failed(run, reason=_too_many_attempts(run), now=now)
        return True
    run.queued_at = now
    run.save(update_fields=["queued_at", "updated_at"])
    _queue_run(run.pk)
    return True


@transaction.atomic
def _lease_take(*, run_id: int, token: str) -> ReportRun | None:
    now = timezone.now()
    run = ReportRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
    if run is None:  # gone, or a run is writing a step right now
        return None
    lease_live = run.leased_until is not None and run.leased_until > now
    if run.status not in ACTIVE or lease_live:
        return None
    if run.attempts >= MAX_ATTEMPTS:
        _mark_failed(run, reason=_too_many_attempts(run), now=now)
        return None
    run.status = Status.RUNNING
    run.started_at = run.started_at or now
    run.leased_by = token
    run.leased_until = now + _lease()
    run.attempts += 1
    run.queued_at = None
    run.save(update_fields=["status", "started_at", "leased_by", "leased_until", "attempts", "queued_at", "updated_at"])
    return run


def _held(*, run_id: int, token: str, start: int | None = None) -> ReportRun:
    """The run, locked, if this worker still holds it (and its cursor is at `start`)."""
    run = ReportRun.objects.select_for_update().get(pk=run_id)
    if run.status != Status.RUNNING or run.leased_by != token or (start is not None and run.cursor != start):
        raise _LeaseLost
    return run


@transaction.atomic
def _hand_off(*, run_id: int, token: str) -> None:
    run = _held(run_id=run_id, token=token)
    run.leased_by, run.leased_until, run.queued_at = "", None, timezone.now()
    run.save(update_fields=["leased_by", "leased_until", "queued_at", "updated_at"])
    _queue_run(run.pk)


def _finish(*, run_id: int, token: str) -> None:
    with transaction.atomic():
        run = _held(run_id=run_id, token=token)
        now = timezone.now()
        if run.step_errors:
            reasons = "; ".join(f"{ReportKind(k).label}: {r}" for k, r in run.step_errors.items())
            _mark_failed(run, reason=_("Some reports could not be made. %(reasons)s") % {"reasons": reasons}, now=now)
        else:
            run.status = Status.DONE
            run.finished_at = now
            run.message = _("%(count)d reports made.") % {"count": len(run.kinds)}
            run.leased_by, run.leased_until = "", None
            run.save(update_fields=["status", "finished_at", "message", "leased_by", "leased_until", "updated_at"])
    services.report_rows_prune()


def _mark_failed(run: ReportRun, *, reason: str, now: datetime) -> None:
    run.status = Status.FAILED
    run.message = reason
    run.finished_at = now
    run.leased_by, run.leased_until, run.queued_at = "", None, None
    run.save(update_fields=["status", "message", "finished_at", "leased_by", "leased_until", "queued_at", "updated_at"])


def _too_many_attempts(run: ReportRun) -> str:
    return _(
        "The run stopped %(attempts)d times in a row without finishing a report (its worker was stopped or lost "
        "the database), after %(done)d of %(total)d reports; it is not tried again."
    ) % {"attempts": run.attempts, "done": run.cursor, "total": run.total}


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "REPORT_RUN_LEASE_SECONDS", LEASE_SECONDS))


def _queue_run(run_id: int) -> None:
    from . import tasks

    tasks.report_run.delay_on_commit(run_id=run_id)

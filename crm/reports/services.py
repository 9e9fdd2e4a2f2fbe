"""The only code that writes report snapshots. The figures are computed in SQL (value.py, perks.py,
trends.py); here they are frozen into a dated ReportSnapshot with its rows."""

import csv
import io
import json
import logging
import time
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.db import replica_reads
from crm.exceptions import ApplicationError
from crm.standards import key_clients

from . import perks, trends, value
from .conf import param
from .models import ReportKind, ReportPeriod, ReportRow, ReportSnapshot

log = logging.getLogger(__name__)
BATCH = 2000
PERIOD_DAYS = {ReportPeriod.WEEKLY: 7, ReportPeriod.MONTHLY: 30}


def period_end_default() -> datetime:
    """Start of today in the company time zone: scheduled runs cover whole days."""
    today = timezone.localdate()
    return timezone.make_aware(datetime(today.year, today.month, today.day))


def _compute(kind: str, period: str, as_of: datetime) -> tuple[dict, dict, list[dict], str]:
    """(parameters, summary, rows, flag key) of one report. Read-only; perks and trends read from the replica
    when one is configured (and no transaction is open), value stays on the primary (see value.compute)."""
    if kind == ReportKind.VALUE:
        p = value.parameters()
        rows, segments = value.compute(as_of, p)
        summary = {"segments": segments, **value.texts(p)}
        return p, summary, rows, "attention"
    with replica_reads():
        if kind == ReportKind.PERKS:
            p = perks.parameters()
            rows, summary = perks.rows(as_of, p)
            return p, summary, rows, "drop_candidate"
        p = trends.parameters(period)
        rows, summary = trends.compute(as_of, p)
        return p, summary, rows, "flag"


def _check(*, kind: str, period: str, as_of: datetime) -> None:
    if kind not in ReportKind.values:
        raise ApplicationError(gettext("Unknown report."), field="kind")
    if period not in ReportPeriod.values:
        raise ApplicationError(gettext("Choose weekly or monthly."), field="period")
    if timezone.is_naive(as_of):
        raise ApplicationError(gettext("The report date needs a time zone."), field="as_of")


def report_compute(*, kind: str, period: str, as_of: datetime) -> tuple[dict, dict, list[dict], str]:
    """(parameters, summary, rows, flag key) of one report, read only, outside any transaction (so it may run
    on the read replica). A report run (running.py) computes each step with it, then saves it with
    report_snapshot_save in the transaction that moves its cursor."""
    _check(kind=kind, period=period, as_of=as_of)
    return _compute(kind, period, as_of)


def report_snapshot_save(
    *, kind: str, period: str, as_of: datetime, computed: tuple, started: float, run=None
) -> ReportSnapshot:
    """Freeze a computed report as a snapshot with its rows. Call inside a transaction (atomic with its rows)."""
    parameters, summary, rows, flag_key = computed
    snapshot = ReportSnapshot.objects.create(
        kind=kind,
        period=period,
        period_start=as_of - timedelta(days=PERIOD_DAYS[period]),
        period_end=as_of,
        generated_at=timezone.now(),
        parameters=parameters,
        summary=summary,
        row_count=len(rows),
        run=run,
    )
    _store_rows(snapshot, rows, flag_key)
    if kind == ReportKind.VALUE:
        # the ranking the layers below read (complaint priority, the key-client rule), in the same
        # transaction: it always matches the newest value report
        key_clients.value_ranking_replace(
            entries=((r.get("client_id"), i, r.get("projected_value")) for i, r in enumerate(rows, start=1)),
            ranked_at=as_of,
        )
    snapshot.duration_ms = int((time.monotonic() - started) * 1000)
    snapshot.save(update_fields=["duration_ms"])
    log.info("report %s/%s as of %s: %s rows in %s ms", kind, period, as_of, len(rows), snapshot.duration_ms)
    return snapshot


def report_snapshot_create(*, kind: str, period: str, as_of: datetime | None = None) -> ReportSnapshot:
    """Compute one report, then freeze it. The computation reads only, outside any transaction of this
    function, so it may run on the read replica; only the snapshot and its rows are written, atomically."""
    as_of = as_of or period_end_default()
    started = time.monotonic()
    computed = report_compute(kind=kind, period=period, as_of=as_of)
    with transaction.atomic():
        return report_snapshot_save(kind=kind, period=period, as_of=as_of, computed=computed, started=started)


def _store_rows(snapshot: ReportSnapshot, rows: list[dict], flag_key: str) -> None:
    """The snapshot's rows in report order. On PostgreSQL (psycopg2) one COPY in CSV, which quotes the JSON:
    a value report has a row per client, and 100,000 model instances through bulk_create took ~15 s. The JSON
    is the json.dumps the JSONField would store."""
    entries = [
        (i, row.get("manager_id"), row.get("client_id"), bool(row.get(flag_key)) if flag_key else False, row)
        for i, row in enumerate(rows, start=1)
    ]
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
            buffer = io.StringIO()
            out = csv.writer(buffer)
            for i, manager_id, client_id, flagged, row in entries:
                # an empty unquoted CSV field is NULL
                out.writerow(
                    (
                        snapshot.pk,
                        i,
                        "" if manager_id is None else manager_id,
                        "" if client_id is None else client_id,
                        "t" if flagged else "f",
                        json.dumps({"position": i, **row}),
                    )
                )
            buffer.seek(0)
            columns = "snapshot_id, position, manager_id, client_id, flagged, data"
            raw.copy_expert(f"COPY {ReportRow._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
            return
    ReportRow.objects.bulk_create(
        (
            ReportRow(
                snapshot=snapshot,
                position=i,
                manager_id=manager_id,
                client_id=client_id,
                flagged=flagged,
                data={"position": i, **row},
            )
            for i, manager_id, client_id, flagged, row in entries
        ),
        batch_size=BATCH,
    )


def reports_generate(*, period: str, as_of: datetime | None = None) -> list[ReportSnapshot]:
    """Every report for one period; each in its own transaction, so one failing keeps the others. Then the
    rows of old snapshots are pruned."""
    as_of = as_of or period_end_default()
    made, failed = [], []
    for kind in ReportKind.values:
        try:
            made.append(report_snapshot_create(kind=kind, period=period, as_of=as_of))
        except Exception as exc:  # keep going: the other reports do not depend on this one
            log.exception("report %s/%s as of %s failed", kind, period, as_of)
            failed.append(exc)
    report_rows_prune()
    if failed:
        raise failed[0]  # the task fails visibly (and its retry/alerting applies) after the others are saved
    return made


@transaction.atomic
def report_rows_prune(*, now: datetime | None = None) -> int:
    """Delete the rows of snapshots generated more than ROWS_RETENTION_DAYS ago; snapshots and summaries stay."""
    limit = (now or timezone.now()) - timedelta(days=param("ROWS_RETENTION_DAYS"))
    deleted, _ = ReportRow.objects.filter(snapshot__generated_at__lt=limit).delete()
    return deleted


def reports_generation_queue(*, period: str, by=None):
    """Ask a worker for fresh snapshots of every report now (an administrator's "generate now"): a report
    run (running.py), resumable and visible. Returns the run (an active one for the same moment is reused)."""
    from . import running

    return running.report_run_start(period=period, by=by)

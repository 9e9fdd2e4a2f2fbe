"""CSV (or XLSX) downloads of a snapshot's rows, streamed (a value report can hold every client), read from the
replica when one is configured: the body is produced after the view has returned, so it enters the replica
context itself. Cells go through crm/exports.py, which escapes formula cells."""

from decimal import Decimal, InvalidOperation

from crm import exports

from . import perks, trends, value
from .models import ReportKind

COLUMNS = {ReportKind.VALUE: value.CLIENT_COLUMNS, ReportKind.PERKS: perks.COLUMNS, ReportKind.TRENDS: trends.COLUMNS}
# Columns that hold words (names, labels, dates); every other column holds a figure.
TEXT_COLUMNS = {"client", "segment", "manager", "status", "last_touch_at", "kind", "label", "category", "flag"}


def _cell(column: str, value):
    """Figures are stored as text in the row's JSON: give them to the sheet as numbers (a negative amount
    stays a number), and every word as text, which the export helper escapes."""
    if column not in TEXT_COLUMNS and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def csv_response(request, *, snapshot, rows):
    columns = COLUMNS[snapshot.kind]
    lines = (
        [_cell(c, data.get(c)) for c in columns]
        for data in rows.values_list("data", flat=True).iterator(chunk_size=2000)
    )
    name = f"{snapshot.kind}-{snapshot.period}-{snapshot.period_end:%Y-%m-%d}-{snapshot.pk}"
    return exports.export_response(
        request, filename=name, header=columns, rows=lines, from_replica=True, sheet=snapshot.kind
    )

"""CSV downloads of a snapshot's rows, streamed (a value report can hold every client), read from the replica
when one is configured: the body is produced after the view has returned, so it enters the replica context
itself."""

import csv
from decimal import Decimal, InvalidOperation

from django.http import StreamingHttpResponse

from crm.db import stream_from_replica

from . import perks, trends, value
from .models import ReportKind

COLUMNS = {ReportKind.VALUE: value.CLIENT_COLUMNS, ReportKind.PERKS: perks.COLUMNS, ReportKind.TRENDS: trends.COLUMNS}


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            Decimal(value)  # a negative amount stays a number
        except InvalidOperation:
            return "'" + value  # a client named "=HYPERLINK(...)" must not become a spreadsheet formula
    return value


def csv_response(*, snapshot, rows) -> StreamingHttpResponse:
    columns = COLUMNS[snapshot.kind]
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(columns)
        for data in rows.values_list("data", flat=True).iterator(chunk_size=2000):
            yield writer.writerow([_cell(data.get(c)) for c in columns])

    name = f"{snapshot.kind}-{snapshot.period}-{snapshot.period_end:%Y-%m-%d}-{snapshot.pk}.csv"
    response = StreamingHttpResponse(stream_from_replica(lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

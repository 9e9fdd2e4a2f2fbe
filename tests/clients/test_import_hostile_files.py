"""Uploaded import files that are hostile or broken are reported as errors on the file, never read half-right
and never a 500: text that is not UTF-8, oversized files, XLSX zip bombs, too many rows, damaged archives."""

import io
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from clients import importing
from clients.models import Client, ImportJob
from crm.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list], extra_member: tuple[str, bytes] | None = None) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if extra_member:
        with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(*extra_member)
    return buffer.getvalue()


def refused(filename: str, content: bytes, user) -> str:
    with pytest.raises(ApplicationError) as caught:
        importing.import_job_create(filename=filename, content=content, by=user)
    assert caught.value.field == "file"
    assert not ImportJob.objects.exists()
    return caught.value.message


def test_csv_that_is_not_utf8_is_reported_not_read_as_latin1(sales_manager):
    content = b"name,address\nAlpha,1 High St\n" + "Café Beta,2 Rue\n".encode("latin-1")
    message = refused("clients.csv", content, sales_manager)
    assert "not UTF-8" in message and "line 3" in message


def test_csv_in_utf8_with_a_byte_order_mark_is_read(sales_manager):
    content = "\ufeffname,address\nCafé Beta,2 Rue\n".encode()
    job = importing.import_job_create(filename="clients.csv", content=content, by=sales_manager)
    assert job.rows[0]["data"]["name"] == "Café Beta"


def test_not_utf8_upload_is_a_form_error_on_the_page(sm_client):
    upload = SimpleUploadedFile("c.csv", b"name\n\xff\xfe Alpha\n", content_type="text/csv")
    response = sm_client.post(reverse("clients:import"), {"file": upload})
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert not ImportJob.objects.exists() and not Client.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(sales_manager, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    with mock.patch.object(importing, "_read_csv") as read_csv:
        message = refused("clients.csv", b"name\n" + b"a" * 200, sales_manager)
    assert "larger than" in message
    read_csv.assert_not_called()


def test_xlsx_zip_bomb_is_refused_before_openpyxl_inflates_it(sales_manager):
    bomb = xlsx([["name"], ["Alpha"]], extra_member=("xl/media/padding.bin", b"\0" * (65 * 2**20)))
    assert len(bomb) < 200_000  # a small upload ...
    with mock.patch("openpyxl.load_workbook") as load_workbook:
        message = refused("clients.xlsx", bomb, sales_manager)
    assert "unpacks to more than 64 MB" in message  # ... that would inflate past the cap
    load_workbook.assert_not_called()


def test_xlsx_rows_stop_at_the_cap_while_streaming(sales_manager, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    message = refused("clients.xlsx", xlsx([["name"]] + [[f"Client {i}"] for i in range(50)]), sales_manager)
    assert message == "At most 5 rows per file; split it."


def test_csv_rows_stop_at_the_cap(sales_manager, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    content = ("name\n" + "".join(f"Client {i}\n" for i in range(50))).encode()
    assert refused("clients.csv", content, sales_manager) == "At most 5 rows per file; split it."


def test_xlsx_is_opened_read_only_and_only_the_first_columns_are_read(sales_manager):
    wide = xlsx([["name"] + [f"extra{i}" for i in range(100)], ["Alpha"] + ["x"] * 100])
    with mock.patch("openpyxl.load_workbook", wraps=__import__("openpyxl").load_workbook) as load_workbook:
        job = importing.import_job_create(filename="c.xlsx", content=wide, by=sales_manager)
    assert load_workbook.call_args.kwargs["read_only"] is True
    assert job.rows[0]["data"]["name"] == "Alpha"
    assert len(job.rows[0]["data"]) <= importing.MAX_COLUMNS


@pytest.mark.parametrize(
    "content",
    [b"not a zip at all", b"PK\x03\x04 truncated", None],
    ids=["not-a-zip", "truncated-zip", "zip-without-a-workbook"],
)
def test_unreadable_xlsx_is_reported(sales_manager, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
        content = buffer.getvalue()
    assert refused("clients.xlsx", content, sales_manager) == "This is not a readable XLSX file."


def test_csv_with_a_field_past_the_csv_limit_is_reported(sales_manager):
    content = b'name,address\nAlpha,"' + b"x" * 200_000 + b'"\n'
    assert "cannot be read" in refused("clients.csv", content, sales_manager)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"sku,name,category,unit_price,unit_cost\nA-1,Caf\xe9,Office,1.50,0.80\n", "must be UTF-8"),
        (b'sku,name,category,unit_price,unit_cost\nA-1,"' + b"x" * 200_000 + b'",Office,1,1\n', "cannot be read"),
    ],
    ids=["not-utf8", "field-past-the-csv-limit"],
)
def test_catalogue_csv_that_cannot_be_read_is_a_page_error(admin_client_role, content, message):
    upload = SimpleUploadedFile("c.csv", content, content_type="text/csv")
    response = admin_client_role.post(reverse("purchases:catalogue_import"), {"file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()

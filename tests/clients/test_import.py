import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from clients import importing
from clients.models import Client, ImportJob
from crm.exceptions import ApplicationError
from tests.factories import ClientFactory, SegmentFactory

pytestmark = pytest.mark.django_db

GOOD = "name,kind,email,phone,segment,status,manager,tags\n"
GOOD += "Alpha Print,company,a@alpha.example,020 7946 0301,retail,active,sm,vip;b2b\n"
GOOD += "Bob Person,person,bob@x.example,,,lead,,\n"
BAD_ROWS = GOOD + "Gamma,company,not-an-email,123,nowhere,,ghost,\n"


def _job(content: str, user, name="clients.csv"):
    return importing.import_job_create(filename=name, content=content.encode(), by=user)


def test_preview_lists_per_row_errors_with_row_field_and_message(sales_manager):
    SegmentFactory(code="retail")
    job = _job(BAD_ROWS, sales_manager)
    fields = {(e["row"], e["field"]) for e in job.errors}
    assert fields == {(4, "email"), (4, "phone"), (4, "segment"), (4, "manager")}
    assert not Client.objects.exists()


def test_file_with_errors_imports_nothing_until_bad_rows_are_skipped(sales_manager, django_capture_on_commit_callbacks):
    SegmentFactory(code="retail")
    job = _job(BAD_ROWS, sales_manager)
    with pytest.raises(ApplicationError):
        importing.import_job_confirm(job=job, skip_bad_rows=False, by=sales_manager)
    assert not Client.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        importing.import_job_confirm(job=job, skip_bad_rows=True, by=sales_manager)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.skipped_count, job.processed) == ("done", 2, 1, 3)
    alpha = Client.objects.get(name="Alpha Print")
    assert alpha.phone == "+442079460301" and alpha.manager == sales_manager and alpha.segment.code == "retail"
    assert sorted(alpha.tags.values_list("name", flat=True)) == ["b2b", "vip"]


def test_known_phone_and_repeats_in_file_are_errors(sales_manager):
    ClientFactory(phone="+442079460301")
    job = _job(GOOD + "Alpha Again,company,a@alpha.example,,,,,\n", sales_manager)
    messages = [e["message"] for e in job.errors]
    assert any(m.startswith("Already a client") for m in messages)
    assert any(m.startswith("Same email as row 2") for m in messages)


def test_xlsx_is_read_like_csv(sales_manager):
    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "Email", "Phone"])
    ws.append(["Excel Co", "x@excel.example", "020 7946 0401"])
    buf = io.BytesIO()
    wb.save(buf)
    job = importing.import_job_create(filename="c.xlsx", content=buf.getvalue(), by=sales_manager)
    assert job.errors == [] and job.rows[0]["data"]["phone"] == "+442079460401"


def test_file_without_name_column_is_refused(sales_manager):
    with pytest.raises(ApplicationError):
        _job("email\na@b.example\n", sales_manager)
    assert not ImportJob.objects.exists()


def test_upload_preview_confirm_and_progress_pages(sm_client, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("c.csv", GOOD.replace("retail", "").encode(), content_type="text/csv")
    response = sm_client.post(reverse("clients:import"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.url == reverse("clients:import_detail", args=[job.pk])
    assert "no problems found" in sm_client.get(response.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sm_client.post(response.url, {})
    progress = sm_client.get(reverse("clients:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 286 and "2 clients imported" in progress.content.decode()
    assert Client.objects.count() == 2


def test_upload_of_wrong_type_is_a_form_error(sm_client):
    upload = SimpleUploadedFile("c.pdf", b"%PDF", content_type="application/pdf")
    response = sm_client.post(reverse("clients:import"), {"file": upload})
    assert response.status_code == 200 and "Upload a .csv or .xlsx file." in response.content.decode()


def test_other_users_import_is_denied(client, sales_manager, other_sales_manager):
    job = _job(GOOD, sales_manager)
    client.force_login(other_sales_manager)
    assert client.get(reverse("clients:import_detail", args=[job.pk])).status_code == 403


# --- set-based checks at upload ----------------------------------------------------------------------------


def _rows_csv(n: int, start: int = 0) -> bytes:
    lines = ["name,email,phone,external_id,segment,manager"]
    lines += [f"Client {i},c{i}@example.com,020 7946 {i:04d},EXT-{i},retail,sm" for i in range(start, start + n)]
    return ("\n".join(lines) + "\n").encode()


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_upload_checks_cost_the_same_queries_for_2_and_200_rows(sales_manager):
    SegmentFactory(code="retail")
    ClientFactory(external_id="EXT-1", email="", phone="")  # found: every lookup returns something
    counts = [
        _queries(lambda n=n: importing.import_job_create(filename="c.csv", content=_rows_csv(n), by=sales_manager))
        for n in (2, 200)
    ]
    # segments, sales managers, known contacts (clients, contact persons), known external ids, the job, and
    # the savepoint around them
    assert counts == [8, 8]
    job = ImportJob.objects.order_by("-pk").first()
    assert job.total == 200
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "external_id")]


def test_upload_page_costs_the_same_queries_for_2_and_200_rows(sm_client):
    SegmentFactory(code="retail")
    counts = []
    for n in (2, 200):
        upload = SimpleUploadedFile("c.csv", _rows_csv(n, start=n), content_type="text/csv")
        counts.append(_queries(lambda upload=upload: sm_client.post(reverse("clients:import"), {"file": upload})))
    assert counts[0] == counts[1]
    assert list(ImportJob.objects.values_list("total", flat=True)) == [200, 2]


def test_external_id_known_or_repeated_in_the_file_is_a_row_error(sales_manager):
    ClientFactory(external_id="ERP-7")
    job = _job("name,external_id\nA,ERP-7\nB,ERP-8\nC,ERP-8\n", sales_manager)
    assert [(e["row"], e["message"]) for e in job.errors] == [
        (2, "A client with this external id already exists."),
        (4, "This external id appears twice in the file."),
    ]


def test_nul_character_is_a_row_error_and_never_stored(sales_manager):
    job = _job("name,address\nAl\x00pha,1 High St\nBeta,2 Low\x00 St\n", sales_manager)
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "name"), (3, "address")]
    assert "NUL character" in job.errors[0]["message"]
    job.refresh_from_db()
    assert [r["data"]["name"] for r in job.rows] == ["Alpha", "Beta"] and not any(r["ok"] for r in job.rows)


def test_csv_the_reader_cannot_read_is_a_file_error(sales_manager):
    with pytest.raises(ApplicationError, match="cannot be read") as caught:
        _job("name\n" + "x" * 200_000 + "\n", sales_manager)
    assert caught.value.field == "file"


# --- the progress page ---------------------------------------------------------------------------------------


def _started_job(user, **fields) -> ImportJob:
    fields = {"status": "running", "total": 10, "processed": 4, "created_count": 4, **fields}
    return ImportJob.objects.create(filename="c.csv", created_by=user, **fields)


def _progress(client, job, htmx=True):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(reverse("clients:import_progress", args=[job.pk]), **extra)


def test_failed_import_shows_its_reason_and_stops_the_polling(sm_client, sales_manager):
    job = _started_job(sales_manager, status="failed", message="Row 7 could not be saved: IntegrityError: boom.")
    response = _progress(sm_client, job)
    body = response.content.decode()
    assert response.status_code == 286  # htmx stops polling on 286
    assert 'id="import-failed"' in body and "Row 7 could not be saved: IntegrityError: boom." in body
    assert "4 clients from the first 4 rows were imported" in body
    assert _progress(sm_client, job, htmx=False).status_code == 200  # a plain visit is a plain page answer


def test_running_import_keeps_polling_and_says_a_stalled_one_will_resume(sm_client, sales_manager):
    live = _started_job(sales_manager, leased_by="w:1/a", leased_until=timezone.now() + timedelta(minutes=1))
    response = _progress(sm_client, live)
    assert response.status_code == 200 and "4 of 10 rows" in response.content.decode()
    assert 'id="import-stalled"' not in response.content.decode()
    stalled = _started_job(sales_manager, leased_by="w:1/a", leased_until=timezone.now() - timedelta(seconds=1))
    response = _progress(sm_client, stalled)
    assert response.status_code == 200
    assert "will resume from there" in response.content.decode()


def test_detail_page_polls_only_while_the_import_is_not_finished(sm_client, sales_manager):
    running = _started_job(sales_manager)
    done = _started_job(sales_manager, status="done", processed=10, message="10 clients imported, 0 rows skipped.")
    failed = _started_job(sales_manager, status="failed", message="Row 3: no.")
    pages = {
        j.status: sm_client.get(reverse("clients:import_detail", args=[j.pk])).content.decode()
        for j in (running, done, failed)
    }
    assert 'hx-trigger="every 1s"' in pages["running"]
    assert 'hx-trigger="every 1s"' not in pages["done"] and 'id="import-done"' in pages["done"]
    assert 'hx-trigger="every 1s"' not in pages["failed"] and "Row 3: no." in pages["failed"]


def test_progress_does_not_load_the_parsed_rows(sm_client, sales_manager):
    job = _started_job(sales_manager, rows=[{"row": 2, "data": {"name": "x" * 100}, "ok": True}] * 1000)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _progress(sm_client, job)
    job_queries = [q["sql"] for q in ctx.captured_queries if "clients_importjob" in q["sql"]]
    assert len(job_queries) == 1 and '"rows"' not in job_queries[0]

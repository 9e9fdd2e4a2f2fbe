"""A sales manager imports a client file; the progress page polls while the import runs and stops once it
is done or has failed, showing the reason."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ImportJob

CSV = b"name,email,phone\nAlpha Print,a@alpha.example,020 7946 0301\nBob Person,bob@x.example,\n"


def _watch_polls(page) -> list[str]:
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/progress/" in request.url else None)
    return polls


@pytest.mark.django_db(transaction=True)
def test_sales_manager_uploads_checks_and_imports_a_client_file(page, login, sales_manager):
    login(sales_manager)
    polls = _watch_polls(page)
    page.goto(reverse("clients:import"))
    page.set_input_files("#id_file", files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.click("#upload")
    page.wait_for_selector("text=no problems found")
    page.click("#start-import")
    page.wait_for_selector("#import-done")
    assert "2 clients imported" in page.inner_text("#import-progress")
    assert sorted(Client.objects.values_list("name", flat=True)) == ["Alpha Print", "Bob Person"]
    page.wait_for_timeout(1500)
    assert polls == []  # a finished import's page does not poll at all
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_progress_page_polls_while_running_and_stops_when_the_import_fails(page, login, sales_manager):
    job = ImportJob.objects.create(
        filename="big.csv",
        created_by=sales_manager,
        status=ImportJob.Status.RUNNING,
        total=10,
        processed=4,
        created_count=4,
        leased_by="worker:1/abc",
        leased_until=timezone.now() + timedelta(minutes=2),
    )
    login(sales_manager)
    polls = _watch_polls(page)
    page.goto(reverse("clients:import_detail", args=[job.pk]))
    assert "4 of 10 rows" in page.inner_text("#import-progress")
    page.wait_for_timeout(1500)
    assert polls, "a running import's page polls for progress"

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        processed=6,
        created_count=6,
        message="Row 8 could not be saved: IntegrityError: duplicate key.",
        leased_by="",
        leased_until=None,
    )
    page.wait_for_selector("#import-failed")
    assert "Row 8 could not be saved" in page.inner_text("#import-failed")
    assert "6 clients from the first 6 rows were imported" in page.inner_text("#import-failed")
    seen = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == seen  # htmx stopped polling on the 286 answer
    assert page.csp_violations == []

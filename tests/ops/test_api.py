"""GET /api/v1/ops/: administrators only, the same snapshot as the page, a fixed number of queries."""

import itertools

import pytest
from openapi_spec_validator import validate

from clients.models import ImportJob, News
from crm.reports.models import ReportRun
from tests.querycount import assert_same_queries_at_two_sizes

from .conftest import ago, failed_rows, heartbeat, import_job, news_item, outbox_row, periodic

pytestmark = pytest.mark.django_db
URL = "/api/v1/ops/"


def test_administrator_reads_the_snapshot(admin_api, administrator):
    heartbeat("celery@host-a", ago(minutes=10))
    failed_rows(2)
    oldest = outbox_row(created=ago(minutes=30), due=ago(minutes=20))
    import_job(status=ImportJob.Status.RUNNING, created=ago(hours=3), by=administrator)
    periodic("Worker heartbeat", last_run_at=ago(minutes=10))

    response = admin_api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "attention"
    assert body["database"] == {"ok": True, "status": "ok"}
    assert body["broker"]["ok"] is True and body["broker"]["transport"]
    assert [q["name"] for q in body["queues"]] == ["celery", "bulk"]
    assert body["workers"][0]["worker"] == "celery@host-a" and body["workers"][0]["stale"] is True
    assert body["outbox"]["failed"] == 2 and body["outbox"]["pending"] == 1
    assert body["outbox"]["failed_url"] == "/notifications/?status=failed"
    assert body["outbox"]["oldest_pending"]["id"] == oldest.pk
    assert body["jobs"]["imports"][0]["state"] == "stuck"
    assert body["periodic"][0]["name"] == "Worker heartbeat" and body["periodic"][0]["late"] is True
    crossed = {a["key"] for a in body["alerts"] if a["crossed"]}
    assert crossed == {"outbox_oldest_pending", "workers_stale", "jobs_stuck", "periodic_late"}
    assert body["thresholds"]["FAILED_DELIVERIES"] == 10


def test_sales_manager_is_refused(sm_api):
    assert sm_api.get(URL).status_code == 403


def test_accountant_is_refused(acc_api):
    assert acc_api.get(URL).status_code == 403


def test_anonymous_is_asked_to_authenticate(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_the_snapshot_costs_the_same_queries_whatever_the_number_of_rows(admin_api, administrator):
    seq = itertools.count()

    def add_rows(n):
        for _ in range(n):
            i = next(seq)
            heartbeat(f"worker-{i}", ago(minutes=i % 7))
            failed_rows(1)
            outbox_row(created=ago(minutes=i), due=ago(minutes=i))
            import_job(status=ImportJob.Status.RUNNING, created=ago(hours=2), by=administrator)
            news_item(status=News.Status.SENDING, moved=ago(hours=1))
            ReportRun.objects.create(
                period="weekly", as_of=ago(days=i), status=ReportRun.Status.FAILED, kinds=["value"]
            )
            periodic(f"Job {i}", last_run_at=ago(minutes=i))

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get(URL),
        add_rows=add_rows,
        rows=lambda response: len(response.json()["workers"]),
        # token user with roles, SELECT 1, heartbeats, outbox counts, oldest due row, imports, report runs,
        # news, periodic
        queries=9,
    )


def test_the_schema_documents_the_endpoint(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    validate(schema)
    operation = schema["paths"][URL]["get"]
    assert operation["responses"]["200"]["description"].startswith("Database and broker status")
    assert set(operation["responses"]) >= {"200", "403"}

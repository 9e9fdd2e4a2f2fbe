"""Report runs through the API (/api/v1/reports/runs/) and the page (/reports/runs/): administrators only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.reports import running
from crm.reports.models import ReportRun, ReportSnapshot
from tests.querycount import assert_same_queries_at_two_sizes

from .conftest import AS_OF

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/runs/"


def _run(days_back: int = 0, **fields) -> ReportRun:
    return ReportRun.objects.create(
        period="weekly", as_of=AS_OF - timedelta(days=days_back), kinds=["value", "perks", "trends"], **fields
    )


def test_administrator_starts_a_run_and_reads_its_progress(admin_api, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(URL, {"period": "weekly", "as_of": AS_OF.isoformat()}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued" and body["cursor"] == 0 and body["total"] == 3

    detail = admin_api.get(f"{URL}{body['id']}/").json()  # the queued run ran (eagerly) on commit
    assert detail["status"] == "done" and detail["cursor"] == 3 and detail["message"] == "3 reports made."
    assert sorted(detail["snapshots"]) == sorted(ReportSnapshot.objects.values_list("pk", flat=True))
    assert detail["created_by"] is not None and detail["step_errors"] == {}


def test_a_run_of_some_reports_only(admin_api, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = admin_api.post(URL, {"period": "monthly", "kinds": ["trends"]}, format="json").json()
    assert body["kinds"] == ["trends"]
    assert list(ReportSnapshot.objects.values_list("kind", "period")) == [("trends", "monthly")]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"period": "hourly"}, "period"),
        ({"period": "weekly", "kinds": ["nonsense"]}, "kinds"),
        ({"period": "weekly", "kinds": []}, "kinds"),
        ({"period": "weekly", "as_of": "yesterday"}, "as_of"),
        ({}, "period"),
    ],
)
def test_bad_input_is_400_with_field_messages_and_saves_nothing(admin_api, payload, field):
    response = admin_api.post(URL, payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("role_api", ["sm_api", "acc_api"])
def test_other_roles_are_refused(request, role_api):
    api = request.getfixturevalue(role_api)
    run = _run()
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{run.pk}/").status_code == 403
    assert api.post(URL, {"period": "weekly"}, format="json").status_code == 403
    assert ReportRun.objects.count() == 1


def test_unknown_run_is_404(admin_api):
    assert admin_api.get(f"{URL}999999/").status_code == 404


def test_list_pages_by_cursor_and_syncs_with_updated_since(admin_api):
    runs = [_run(days_back=i, status=ReportRun.Status.DONE) for i in range(5)]
    first = admin_api.get(URL, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [runs[4].pk, runs[3].pk]
    second = admin_api.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [runs[2].pk, runs[1].pk]

    since = timezone.now()
    ReportRun.objects.filter(pk=runs[0].pk).update(updated_at=since + timedelta(seconds=1))
    changed = admin_api.get(URL, {"updated_since": since.isoformat()}).json()
    assert [r["id"] for r in changed["results"]] == [runs[0].pk]
    assert admin_api.get(URL, {"updated_since": "not a date"}).status_code == 400


def test_list_costs_the_same_queries_whatever_the_number_of_runs(admin_api, dataset):
    counter = iter(range(1000))

    def add_rows(n):
        for _ in range(n):
            run = running.report_run_start(period="weekly", as_of=AS_OF - timedelta(days=next(counter)), queue=False)
            running.report_run_execute(run_id=run.pk)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get(URL, {"page_size": 50}),
        add_rows=add_rows,
        rows=lambda response: len(response.json()["results"]),
        queries=3,  # token user with roles, the runs with their creator, their snapshots
        sizes=(2, 6),
    )


# --- the page ---


def test_the_page_shows_each_run_with_progress_and_reason(admin_client_role):
    _run(status=ReportRun.Status.RUNNING, cursor=1, attempts=2, started_at=timezone.now())
    _run(days_back=7, status=ReportRun.Status.FAILED, cursor=3, message="Some reports could not be made. Trends: boom")
    page = admin_client_role.get("/reports/runs/").content.decode()
    assert "1 of 3 reports" in page and "attempt 2" in page
    assert "Trends: boom" in page and 'data-status="failed"' in page
    assert 'data-active="1"' in page and 'hx-trigger="every 2s"' in page  # polls while a run is active


def test_the_page_stops_polling_when_nothing_is_active(admin_client_role):
    _run(status=ReportRun.Status.DONE, cursor=3, message="3 reports made.")
    page = admin_client_role.get("/reports/runs/").content.decode()
    assert 'data-active="0"' in page and "hx-trigger" not in page.split('id="report-runs"')[1].split(">")[0]


def test_the_htmx_poll_gets_the_table_only(admin_client_role):
    _run()
    response = admin_client_role.get("/reports/runs/", HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b'id="report-runs"' in response.content


def test_the_page_costs_the_same_queries_whatever_the_number_of_runs(admin_client_role):
    counter = iter(range(1000))

    def add_rows(n):
        for _ in range(n):
            _run(days_back=next(counter), status=ReportRun.Status.DONE)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get("/reports/runs/"),
        add_rows=add_rows,
        rows=lambda response: response.content.decode().count('data-status="done"'),
        queries=4,  # session, user with roles, the runs with their creator, whether one is active
    )


def test_start_a_run_from_the_page(admin_client_role, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_role.post("/reports/generate/", {"period": "weekly"}, follow=True)
    assert response.redirect_chain[-1][0] == "/reports/runs/"
    run = ReportRun.objects.get()
    assert run.status == ReportRun.Status.DONE
    assert f"Report run {run.pk} started" in response.content.decode()


def test_other_roles_may_not_see_the_page(sm_client, acc_client):
    for client in (sm_client, acc_client):
        assert client.get("/reports/runs/").status_code == 403


# --- the operations view (crm.ops) counts them through the registry's job source ---


def test_stuck_and_failed_runs_are_counted_on_the_operations_view(admin_client_role, admin_api):
    from crm.ops import selectors as ops_selectors

    now = timezone.now()
    dead = _run(status=ReportRun.Status.RUNNING, cursor=1, leased_until=now - timedelta(hours=1))
    lost = _run(days_back=1, status=ReportRun.Status.QUEUED, queued_at=now - timedelta(hours=1))
    failed = _run(days_back=2, status=ReportRun.Status.FAILED, cursor=3, message="Trends: boom")
    _run(days_back=3, status=ReportRun.Status.RUNNING, leased_until=now + timedelta(minutes=5))  # live
    _run(days_back=4, status=ReportRun.Status.DONE, cursor=3)
    old_failed = _run(days_back=5, status=ReportRun.Status.FAILED)
    ReportRun.objects.filter(pk=old_failed.pk).update(created_at=now - timedelta(days=30))

    jobs = ops_selectors.ops_snapshot()["jobs"]

    assert [(r["id"], r["state"]) for r in jobs["runs"]] == [
        (failed.pk, "failed"),
        (lost.pk, "stuck"),
        (dead.pk, "stuck"),
    ]
    assert jobs["runs_stuck"] == 2 and jobs["runs_failed"] == 1
    assert jobs["runs"][2]["processed"] == 1 and jobs["runs"][2]["total"] == 3
    assert jobs["runs"][2]["label"] == "Weekly reports as of 2026-06-01"
    alert = next(a for a in ops_selectors.ops_snapshot()["alerts"] if a["key"] == "jobs_stuck")
    assert alert["value"] == 2 and alert["crossed"]

    body = admin_api.get("/api/v1/ops/").json()
    assert body["jobs"]["runs_stuck"] == 2 and body["jobs"]["runs"][0]["message"] == "Trends: boom"
    page = admin_client_role.get("/ops/").content.decode()
    assert 'id="ops-runs"' in page and "Trends: boom" in page and page.count('data-kind="report_run"') == 3

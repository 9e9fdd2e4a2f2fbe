"""/api/v1/reports/: latest snapshot, past ones, rows, CSV, generate; roles and bad input."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.reports import services
from crm.reports.models import ReportSnapshot
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(dataset):
    older = services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)
    ReportSnapshot.objects.filter(pk=older.pk).update(generated_at=AS_OF)
    return {
        "older": older,
        "value": services.report_snapshot_create(kind="value", period="monthly", as_of=AS_OF),
        "trends": services.report_snapshot_create(kind="trends", period="weekly", as_of=AS_OF),
    }


def test_latest_snapshot_and_by_generation_date(admin_api, snapshots):
    body = admin_api.get("/api/v1/reports/value/").json()
    assert body["id"] == snapshots["value"].pk and body["period"] == "monthly"
    assert {s["segment"] for s in body["summary"]["segments"]} == {"Print shops", "Retail"}
    dated = admin_api.get("/api/v1/reports/value/?generated=2026-06-01").json()
    assert dated["id"] == snapshots["older"].pk
    assert admin_api.get("/api/v1/reports/value/?generated=2020-01-01").status_code == 404


def test_bad_generated_date_is_400_with_field_message(admin_api, snapshots):
    response = admin_api.get("/api/v1/reports/value/?generated=yesterday")
    assert response.status_code == 400
    assert response.json() == {"generated": ["Enter a date as YYYY-MM-DD."]}


def test_past_snapshots_are_listed_newest_first(admin_api, snapshots):
    body = admin_api.get("/api/v1/reports/value/snapshots/").json()
    assert [s["id"] for s in body["results"]] == [snapshots["value"].pk, snapshots["older"].pk]


def test_snapshot_list_costs_the_same_queries_for_2_and_20_snapshots(admin_api):
    def add(n):
        for _ in range(n):
            services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/reports/value/snapshots/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


def test_rows_are_cursor_paginated_in_report_order(admin_api, snapshots):
    url = f"/api/v1/reports/value/snapshots/{snapshots['value'].pk}/rows/?page_size=2"
    first = admin_api.get(url).json()
    assert [r["data"]["client"] for r in first["results"]] == ["Z", "U"]
    second = admin_api.get(first["next"]).json()
    assert [r["data"]["client"] for r in second["results"]] == ["Y", "X"]


@pytest.mark.parametrize("api, queries", [("admin_api", 3), ("sm_api", 3)])
def test_rows_cost_the_same_queries_for_2_and_20_clients(request, sales_manager, other_sales_manager, api, queries):
    client = request.getfixturevalue(api)
    ClientFactory(manager=other_sales_manager)  # the sales manager does not see this row
    latest = {}

    def add(n):
        for _ in range(n):
            ClientFactory(manager=sales_manager)
        latest["snapshot"] = services.report_snapshot_create(
            kind="value", period="weekly", as_of=timezone.now() + timedelta(minutes=1)
        )

    assert_same_queries_at_two_sizes(
        fetch=lambda: client.get(f"/api/v1/reports/value/snapshots/{latest['snapshot'].pk}/rows/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]) - (1 if api == "admin_api" else 0),
        queries=queries,
    )


def test_sales_manager_gets_own_rows_and_attention_only(sm_api, snapshots):
    pk = snapshots["value"].pk
    rows = sm_api.get(f"/api/v1/reports/value/snapshots/{pk}/rows/").json()["results"]
    assert [r["data"]["client"] for r in rows] == ["U", "Y", "X"]
    flagged = sm_api.get(f"/api/v1/reports/value/snapshots/{pk}/rows/?attention=true").json()["results"]
    assert [r["data"]["client"] for r in flagged] == ["U", "Y"]
    assert "segments" not in sm_api.get("/api/v1/reports/value/").json()["summary"]
    assert sm_api.get(f"/api/v1/reports/value/snapshots/{pk}/rows/?attention=perhaps").status_code == 400


def test_roles_are_enforced_on_every_report(sm_api, acc_api, api_client_for, no_role_user, api_client, snapshots):
    trends = snapshots["trends"].pk
    for client in (sm_api, acc_api):
        assert client.get("/api/v1/reports/trends/").status_code == 403
        assert client.get(f"/api/v1/reports/trends/snapshots/{trends}/rows/").status_code == 403
        assert client.get(f"/api/v1/reports/trends/snapshots/{trends}/csv/").status_code == 403
        assert client.get("/api/v1/reports/perks/snapshots/").status_code == 403
    assert acc_api.get("/api/v1/reports/value/").status_code == 200
    assert [k["kind"] for k in acc_api.get("/api/v1/reports/").json()] == ["value"]
    assert api_client_for(no_role_user).get("/api/v1/reports/value/").status_code == 403
    assert api_client.get("/api/v1/reports/value/").status_code == 401


def test_csv_download_through_the_api(sm_api, snapshots):
    response = sm_api.get(f"/api/v1/reports/value/snapshots/{snapshots['value'].pk}/csv/")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("position,client_id,client,") and len(lines) == 4


def test_snapshot_of_another_kind_is_404(admin_api, snapshots):
    assert admin_api.get(f"/api/v1/reports/trends/snapshots/{snapshots['value'].pk}/").status_code == 404
    assert admin_api.get("/api/v1/reports/nonsense/").status_code == 404


def test_administrator_triggers_generation(admin_api, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/reports/generate/", {"period": "weekly"})
    assert response.status_code == 202
    assert ReportSnapshot.objects.count() == 3


def test_generate_with_bad_period_is_400_and_saves_nothing(admin_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/reports/generate/", {"period": "hourly"})
    assert response.status_code == 400 and "period" in response.json()
    assert not ReportSnapshot.objects.exists()


def test_only_administrators_may_generate(sm_api, acc_api):
    for client in (sm_api, acc_api):
        assert client.post("/api/v1/reports/generate/", {"period": "weekly"}).status_code == 403
    assert not ReportSnapshot.objects.exists()


def test_report_kinds_list_with_latest_snapshots(admin_api, snapshots, django_assert_num_queries):
    with django_assert_num_queries(4):  # token with user and roles, the latest snapshot of each of three kinds
        body = admin_api.get("/api/v1/reports/").json()
    latest = {k["kind"]: k["latest"] for k in body}
    assert latest["value"]["id"] == snapshots["value"].pk and latest["perks"] is None


def test_rows_of_one_manager(admin_api, sm_api, snapshots, other_sales_manager):
    url = f"/api/v1/reports/value/snapshots/{snapshots['value'].pk}/rows/?manager={other_sales_manager.pk}"
    assert [r["data"]["client"] for r in admin_api.get(url).json()["results"]] == ["Z", "V"]
    assert [r["data"]["client"] for r in sm_api.get(url).json()["results"]] == ["U", "Y", "X"]
    bad = admin_api.get(url.replace(str(other_sales_manager.pk), "zero"))
    assert bad.status_code == 400 and "manager" in bad.json()


@pytest.mark.parametrize("role", ["sales_manager", "accountant", "administrator"])
def test_each_role_reads_the_same_value_rows_and_summary_in_the_api_as_on_its_page(
    request, role, client, api_client_for, snapshots
):
    """The page's rule is the API's: one selector (crm/reports/selectors.row_list, summary_for) decides, so a
    sales manager gets their own clients' rows without the segment summary, and an accountant (the finance
    view of margin and cost to serve) and an administrator every row with it."""
    user = request.getfixturevalue(role)
    client.force_login(user)
    snapshot = snapshots["value"]
    page_csv = b"".join(client.get(f"/reports/value/csv/?snapshot={snapshot.pk}").streaming_content).decode()
    page_rows = [row["client"] for row in csv.DictReader(io.StringIO(page_csv))]
    page_shows_segments = "Value by segment" in client.get(f"/reports/value/?snapshot={snapshot.pk}").content.decode()
    api = api_client_for(user)
    api_rows = [
        r["data"]["client"] for r in api.get(f"/api/v1/reports/value/snapshots/{snapshot.pk}/rows/").json()["results"]
    ]
    api_summary = api.get(f"/api/v1/reports/value/snapshots/{snapshot.pk}/").json()["summary"]
    assert api_rows == page_rows
    assert ("segments" in api_summary) == page_shows_segments == (role != "sales_manager")

"""Report pages, CSV and dashboard panels: who sees what, and how many queries it costs."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import GoodwillGesture
from crm.reports import services
from crm.reports.models import ReportSnapshot
from tests.factories import CategoryFactory, ClientFactory, ProductFactory, SegmentFactory
from tests.querycount import assert_same_queries_at_two_sizes

from . import factories as f
from .conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(dataset):
    return {
        kind: services.report_snapshot_create(kind=kind, period="weekly", as_of=AS_OF)
        for kind in ("value", "perks", "trends")
    }


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def table_rows(response, table_id: str) -> int:
    table = response.content.split(f'id="{table_id}"'.encode())[1].split(b"</table>")[0]
    return table.split(b"</thead>")[1].count(b"<tr")


def _fresh(kind: str) -> None:
    """A new snapshot of the report as of a minute from now, so it covers what the test just recorded."""
    services.report_snapshot_create(kind=kind, period="weekly", as_of=timezone.now() + timedelta(minutes=1))


def _value_clients(n, *, managers, by):
    """n clients, each with a sale, shared among the managers; then a fresh value report."""
    segment = SegmentFactory(name="Print shops", code="print")
    product = ProductFactory()
    for i in range(n):
        client = ClientFactory(segment=segment, manager=managers[i % len(managers)])
        f.sale(client, timezone.now() - timedelta(days=40), [(product, 1 + i)], by=by)
    _fresh("value")


def _trend_categories(n, *, by):
    """n categories, each bought this week by a client of a segment; then a fresh trends report."""
    segment = SegmentFactory(name="Print shops", code="print")
    for _ in range(n):
        product = ProductFactory(category=CategoryFactory())
        f.sale(ClientFactory(segment=segment), timezone.now() - timedelta(hours=1), [(product, 3)], by=by)
    _fresh("trends")


def _perk_kinds(n, *, by):
    """Gestures of n more kinds, given this week; then a fresh perks report."""
    given = set(GoodwillGesture.objects.values_list("kind", flat=True))
    for kind in [k for k in GoodwillGesture.GestureKind.values if k not in given][:n]:
        complaint = f.complaint(ClientFactory(), timezone.now() - timedelta(days=2), by=by)
        f.gesture(complaint, kind, "5", timezone.now() - timedelta(days=1), by=by)
    _fresh("perks")


def test_administrator_sees_every_report_with_chart_data(admin_client_role, snapshots):
    assert admin_client_role.get("/reports/").status_code == 200
    for kind in ("value", "perks", "trends"):
        response = admin_client_role.get(f"/reports/{kind}/")
        assert response.status_code == 200
        assert b'id="chart-data"' in response.content and b"<script>" not in response.content
    page = admin_client_role.get("/reports/value/").content.decode()
    assert "Value by segment" in page and "Projected lifetime value = net contribution" in page


@pytest.mark.parametrize(
    "user, own_filter, others_shown, queries",
    [
        ("administrator", False, 1, 8),
        ("administrator", True, 0, 8),  # narrowed to the sales manager's clients
        ("accountant", False, 1, 8),
        ("sales_manager", False, 0, 7),  # own clients only, and no segment summary to read
    ],
)
def test_value_report_costs_the_same_queries_for_2_and_20_clients(
    client, sales_manager, other_sales_manager, accountant, administrator, user, own_filter, others_shown, queries
):
    client.force_login({"administrator": administrator, "accountant": accountant, "sales_manager": sales_manager}[user])
    ClientFactory(manager=other_sales_manager)
    url = f"/reports/value/?manager={sales_manager.pk}" if own_filter else "/reports/value/"
    response = assert_same_queries_at_two_sizes(
        fetch=lambda: client.get(url),
        add_rows=lambda n: _value_clients(n, managers=[sales_manager], by=administrator),
        rows=lambda r: table_rows(r, "value-table") - others_shown,
        queries=queries,
    )
    assert response.status_code == 200


def test_trends_report_costs_the_same_queries_for_2_and_20_rows(admin_client_role, administrator):
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get("/reports/trends/"),
        add_rows=lambda n: _trend_categories(n, by=administrator),
        rows=lambda r: table_rows(r, "trends-table"),
        queries=6,
    )


def test_perks_report_costs_the_same_queries_for_2_and_every_kind_of_gesture(admin_client_role, administrator):
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get("/reports/perks/"),
        add_rows=lambda n: _perk_kinds(n, by=administrator),
        rows=lambda r: table_rows(r, "perks-table"),
        queries=6,
        sizes=(2, len(GoodwillGesture.GestureKind.values)),  # a row per kind of gesture
    )


def test_sales_manager_sees_only_own_clients_and_attention_list(sm_client, snapshots):
    page = sm_client.get("/reports/value/").content.decode()
    assert ">U<" in page and ">Y<" in page and ">X<" in page
    assert ">Z<" not in page and ">V<" not in page  # the other manager's clients
    assert "Value by segment" not in page
    rows = csv_rows(sm_client.get("/reports/value/csv/"))
    assert [r["client"] for r in rows] == ["U", "Y", "X"]


def test_sales_manager_is_denied_perks_and_trends(sm_client, snapshots):
    for kind in ("perks", "trends"):
        assert sm_client.get(f"/reports/{kind}/").status_code == 403
        assert sm_client.get(f"/reports/{kind}/csv/").status_code == 403


def test_accountant_reads_the_value_report_but_not_perks_trends_or_generate(acc_client, snapshots):
    assert "Value by segment" in acc_client.get("/reports/value/").content.decode()
    assert len(csv_rows(acc_client.get("/reports/value/csv/"))) == 5
    assert acc_client.get("/reports/trends/").status_code == 403
    assert acc_client.get("/reports/perks/").status_code == 403
    assert acc_client.post("/reports/generate/", {"period": "weekly"}).status_code == 403
    assert ReportSnapshot.objects.count() == 3


def test_user_without_role_is_denied(client, no_role_user, snapshots):
    client.force_login(no_role_user)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/value/").status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/reports/value/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_csv_export_has_every_column_and_exact_figures(admin_client_role, snapshots):
    response = admin_client_role.get(f"/reports/value/csv/?snapshot={snapshots['value'].pk}")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    x = next(r for r in rows if r["client"] == "X")
    assert (x["revenue"], x["net_contribution"], x["projected_value"], x["attention"]) == (
        "140.00",
        "15.00",
        "22.40",
        "no",
    )
    perks = csv_rows(admin_client_role.get("/reports/perks/csv/"))
    assert {r["kind"]: r["pays_for_itself"] for r in perks} == {"free_delivery": "no", "gift": "yes"}


def test_csv_query_count_does_not_grow_with_rows(admin_client_role, administrator, sales_manager):
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get("/reports/value/csv/"),
        add_rows=lambda n: _value_clients(n, managers=[sales_manager, None], by=administrator),
        rows=lambda r: len(csv_rows(r)),
        queries=3,
    )


def test_page_without_snapshot_says_so(admin_client_role):
    response = admin_client_role.get("/reports/trends/")
    assert response.status_code == 200 and b"No snapshot yet" in response.content
    assert admin_client_role.get("/reports/trends/csv/").status_code == 404


def test_unknown_report_and_snapshot_are_404(admin_client_role, snapshots):
    assert admin_client_role.get("/reports/nonsense/").status_code == 404
    assert admin_client_role.get("/reports/value/?snapshot=999999").status_code == 404


def test_bad_date_shows_a_form_error(admin_client_role, snapshots):
    response = admin_client_role.get("/reports/value/?generated=31-12-2026")
    assert response.status_code == 200 and b"Enter a date as YYYY-MM-DD." in response.content


def test_htmx_page_request_returns_the_rows_fragment(admin_client_role, snapshots):
    response = admin_client_role.get("/reports/value/?page=1", HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b'id="value-table"' in response.content


def test_generate_now_queues_fresh_snapshots(admin_client_role, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_role.post("/reports/generate/", {"period": "monthly"})
    assert response.status_code == 302
    assert set(ReportSnapshot.objects.values_list("period", flat=True)) == {"monthly"}


def test_generate_now_with_bad_period_saves_nothing(admin_client_role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_role.post("/reports/generate/", {"period": "daily"}, follow=True)
    assert b"Choose weekly or monthly." in response.content
    assert not ReportSnapshot.objects.exists()


def test_sales_manager_dashboard_lists_own_clients_worth_attention(sm_client, snapshots):
    page = sm_client.get("/").content.decode()
    assert 'id="panel-reports-attention"' in page
    assert "no recent contact" in page and ">U<" in page and ">Z<" not in page
    assert 'id="panel-reports-trends"' not in page


def test_administrator_dashboard_shows_trend_flags_and_value_by_segment(admin_client_role, snapshots):
    page = admin_client_role.get("/").content.decode()
    assert 'id="panel-reports-trends"' in page and 'id="panel-reports-segments"' in page
    assert "Print shops" in page


def test_accountant_dashboard_has_no_report_panels(acc_client, snapshots):
    assert b"panel-reports" not in acc_client.get("/").content


def test_csv_cells_cannot_become_spreadsheet_formulas(admin_client_role, dataset):
    dataset["x"].name = '=HYPERLINK("http://evil")'
    dataset["x"].save(update_fields=["name"])
    services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)
    rows = csv_rows(admin_client_role.get("/reports/value/csv/"))
    x = next(r for r in rows if r["client_id"] == str(dataset["x"].pk))
    assert x["client"] == '\'=HYPERLINK("http://evil")'
    assert next(r for r in rows if r["client"] == "V")["net_contribution"] == "0.00"


def test_report_list_costs_a_fixed_number_of_queries(admin_client_role, snapshots, django_assert_num_queries):
    with django_assert_num_queries(5):  # session, user with roles, the latest snapshot of each of three kinds
        response = admin_client_role.get("/reports/")
    page = response.content.decode()
    assert all(f'id="open-{kind}"' in page for kind in ("value", "perks", "trends"))
    assert 'id="generate-now"' in page


def test_sales_manager_lists_only_the_value_report_and_may_not_generate(sm_client, snapshots):
    page = sm_client.get("/reports/").content.decode()
    assert 'id="open-value"' in page and 'id="open-trends"' not in page and "generate-now" not in page
    assert sm_client.post("/reports/generate/", {"period": "weekly"}).status_code == 403


def test_administrator_narrows_the_value_report_to_one_manager(admin_client_role, snapshots, other_sales_manager):
    page = admin_client_role.get(f"/reports/value/?manager={other_sales_manager.pk}").content.decode()
    assert 'id="manager-filter"' in page and ">Z<" in page and ">U<" not in page
    rows = csv_rows(admin_client_role.get(f"/reports/value/csv/?manager={other_sales_manager.pk}"))
    assert [r["client"] for r in rows] == ["Z", "V"]


def test_sales_manager_cannot_read_another_managers_clients_by_asking(sm_client, snapshots, other_sales_manager):
    page = sm_client.get(f"/reports/value/?manager={other_sales_manager.pk}").content.decode()
    assert ">Z<" not in page and ">U<" in page and 'id="manager-filter"' not in page

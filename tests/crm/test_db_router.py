"""Reads of reports, exports and analytics go to the read replica (crm.db); writes, and reads inside a write
transaction, stay on the primary.

The "replica" alias here points at the primary's test database, as settings make it from DATABASE_REPLICA_URL
(TEST MIRROR: no database of its own), so what the primary wrote is what the replica reads. It is a separate
connection, so CaptureQueriesContext on each alias shows where each query went. The tests that read through it
are transactional: on PostgreSQL the replica's connection cannot see the rows of a test transaction that was
never committed (and the router would keep every read on the primary inside one anyway)."""

import copy
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from complaints.models import GoodwillGesture
from crm.db import REPLICA, read_connection, reads_from_replica, replica_reads, stream_from_replica
from crm.reports import services as report_services
from crm.reports import value
from crm.reports.models import ReportKind, ReportRow, ReportSnapshot
from tests.factories import CategoryFactory, ClientFactory, ProductFactory, SegmentFactory
from tests.reports import factories as f

BOTH = ["default", "replica"]
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """Adds the "replica" alias for this module's tests (after the test database exists, so that its settings
    are a copy of the primary's, test database name included), and removes it afterwards."""
    if REPLICA in connections.settings:  # a run configured with DATABASE_REPLICA_URL already mirrors it
        yield
        return
    entry = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    entry["TEST"] = {**entry["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = entry
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def _replica_closed_after_each_test():
    """The next test's flush must not find the replica's connection in the middle of a read."""
    yield
    connections[REPLICA].close()


@pytest.fixture
def queries():
    """Queries run on each alias inside the block: `with queries() as (on_default, on_replica)`."""

    class Both:
        def __enter__(self):
            self.default = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
            self.replica = CaptureQueriesContext(connections[REPLICA])
            self.default.__enter__()
            self.replica.__enter__()
            return self.default, self.replica

        def __exit__(self, *exc):
            self.replica.__exit__(*exc)
            self.default.__exit__(*exc)

    return Both


def _touching(captured, table: str) -> list[str]:
    """The statements that name `table`; a prepared one (`EXECUTE crm_1 (...)`, crm.pg) by the SQL it runs."""
    prepared = {name: sql for sql, name in getattr(captured.connection, "prepared_names", {}).items()}

    def text(sql: str) -> str:
        return prepared.get(sql.split(" ", 2)[1], sql) if sql.startswith("EXECUTE ") else sql

    return [q["sql"] for q in captured.captured_queries if table in text(q["sql"])]


# --- the router ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_read_inside_replica_reads_runs_on_the_replica(queries):
    ClientFactory(name="Written on the primary")
    with replica_reads():
        assert router.db_for_read(Client) == REPLICA
        assert read_connection() is connections[REPLICA]
        qs = Client.objects.all()
        assert qs.db == REPLICA
        with queries() as (on_default, on_replica):
            names = [c.name for c in qs]
    assert names == ["Written on the primary"]  # the replica reads the primary's database
    assert len(on_replica) == 1 and len(on_default) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_read_outside_replica_reads_runs_on_the_primary(queries):
    ClientFactory()
    assert router.db_for_read(Client) == DEFAULT_DB_ALIAS
    assert read_connection() is connections[DEFAULT_DB_ALIAS]
    with queries() as (on_default, on_replica):
        assert Client.objects.count() == 1
    assert len(on_default) == 1 and len(on_replica) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_read_inside_a_write_transaction_stays_on_the_primary(queries):
    ClientFactory()
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Client) == DEFAULT_DB_ALIAS
        assert read_connection() is connections[DEFAULT_DB_ALIAS]
        with queries() as (on_default, on_replica):
            assert Client.objects.count() == 1
        assert len(on_default) == 1 and len(on_replica) == 0
    with replica_reads():
        assert router.db_for_read(Client) == REPLICA  # the transaction is over


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_writes_go_to_the_primary_inside_replica_reads_too(queries):
    with replica_reads():
        assert router.db_for_write(Client) == DEFAULT_DB_ALIAS
        with queries() as (on_default, on_replica):
            client = ClientFactory()
            client.name = "Renamed"
            client.save(update_fields=["name"])
    assert on_replica.captured_queries == []
    table = Client._meta.db_table
    assert _touching(on_default, f'INSERT INTO "{table}"') and _touching(on_default, f'UPDATE "{table}"')


def test_replica_reads_nest_and_end_with_their_block():
    with replica_reads():
        with replica_reads():
            assert router.db_for_read(Client) == REPLICA
        assert router.db_for_read(Client) == REPLICA  # the inner block leaves the outer one's setting
    assert router.db_for_read(Client) == DEFAULT_DB_ALIAS


def test_the_view_decorator_and_the_stream_wrapper_read_from_the_replica_only_while_they_run():
    @reads_from_replica
    def view():
        return router.db_for_read(Client)

    def body():
        yield router.db_for_read(Client)
        yield router.db_for_read(Client)

    assert view() == REPLICA
    assert list(stream_from_replica(body())) == [REPLICA, REPLICA]
    chunks = stream_from_replica(body())
    next(chunks)
    assert router.db_for_read(Client) == DEFAULT_DB_ALIAS  # between chunks the server's code reads the primary


def test_migrations_only_run_on_the_primary():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "clients") is True
    assert router.allow_migrate(REPLICA, "clients") is False


@pytest.mark.django_db(transaction=True)
def test_without_a_replica_everything_stays_on_the_primary(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA)
    ClientFactory()
    with replica_reads():
        assert router.db_for_read(Client) == DEFAULT_DB_ALIAS
        assert read_connection() is connections[DEFAULT_DB_ALIAS]
        qs = Client.objects.all()
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default:
            assert len(qs) == 1
        assert qs.db == DEFAULT_DB_ALIAS and len(on_default) == 1


# --- where it is used ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_clients_csv_export_streams_its_rows_from_the_replica(admin_client_role, queries):
    ClientFactory(name="Acme", segment=SegmentFactory(code="retail"))
    ClientFactory(name="Globex")
    response = admin_client_role.get(reverse("clients:export"))
    assert response.status_code == 200
    with queries() as (on_default, on_replica):
        body = b"".join(response.streaming_content).decode()
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(body)))
    assert names == ["Acme", "Globex"]
    client_table = Client._meta.db_table
    assert _touching(on_replica, client_table)  # the rows, and the tags prefetched for them
    assert _touching(on_default, client_table) == []


@pytest.fixture
def ledger(administrator):
    """A few sales and one goodwill gesture before AS_OF, so that trends and perks have rows."""
    paper = ProductFactory(category=CategoryFactory(name="Paper", code="paper"), unit_price=Decimal("10.00"))
    ink = ProductFactory(category=CategoryFactory(name="Ink", code="ink"), unit_price=Decimal("50.00"))
    segment = SegmentFactory(name="Retail", code="retail")
    for i, name in enumerate(["X", "Y", "Z"]):
        client = ClientFactory(name=name, segment=segment, first_contact_at=f.at(2025, 6, 1))
        f.sale(client, f.at(2026, 5, 20 + i), [(paper, 10 + i), (ink, 1)], by=administrator)
        f.sale(client, f.at(2026, 4, 20 + i), [(paper, 5)], by=administrator)
    complaint = f.complaint(client, f.at(2026, 4, 1), by=administrator)
    f.gesture(complaint, GoodwillGesture.GestureKind.GIFT, "5", f.at(2026, 4, 2), by=administrator)


def _rows(snapshot: ReportSnapshot) -> list[dict]:
    return list(ReportRow.objects.filter(snapshot=snapshot).order_by("position").values_list("data", flat=True))


@pytest.mark.parametrize("kind", [ReportKind.TRENDS, ReportKind.PERKS])
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_report_snapshot_computes_on_the_replica_and_writes_on_the_primary(kind, ledger, queries):
    with queries() as (on_default, on_replica):
        snapshot = report_services.report_snapshot_create(kind=kind, period="weekly", as_of=AS_OF)
    assert _touching(on_replica, "purchases_purchase")
    assert all(q["sql"].lstrip().upper().startswith(("WITH", "SELECT")) for q in on_replica.captured_queries)
    assert _touching(on_default, "purchases_purchase") == []  # nothing of the computation ran on the primary
    assert _touching(on_default, "INSERT INTO") and _touching(on_replica, "INSERT INTO") == []
    assert snapshot.row_count >= 1

    same_on_primary = report_services.report_snapshot_create(kind=kind, period="weekly", as_of=AS_OF)
    assert same_on_primary.summary == snapshot.summary  # figures read from the replica are the same figures
    assert _rows(same_on_primary) == _rows(snapshot)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_value_report_stays_on_the_primary_because_a_replica_cannot_create_its_work_table(ledger, queries):
    with queries() as (on_default, on_replica):
        snapshot = report_services.report_snapshot_create(kind=ReportKind.VALUE, period="weekly", as_of=AS_OF)
    assert snapshot.row_count == 3
    assert _touching(on_default, "CREATE TEMPORARY TABLE")
    assert on_replica.captured_queries == []
    with replica_reads(), queries() as (on_default, on_replica):
        clients, segments = value.compute(AS_OF)  # the selects of its work table stay on the table's connection
    assert len(clients) == 3 and segments
    assert on_replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_report_csv_download_streams_its_rows_from_the_replica(ledger, admin_client_role, queries):
    snapshot = report_services.report_snapshot_create(kind=ReportKind.TRENDS, period="weekly", as_of=AS_OF)
    with queries() as (on_default, on_replica):
        response = admin_client_role.get(reverse("reports:csv", args=["trends"]), {"snapshot": snapshot.pk})
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(body)))) == snapshot.row_count + 1
    rows_table = ReportRow._meta.db_table
    assert _touching(on_replica, rows_table) and _touching(on_default, rows_table) == []


@pytest.mark.parametrize(
    ("name", "args", "table"),
    [
        ("complaints:compliance", [], "complaints_complaint"),
        ("complaints:systematization", [], "complaints_complaint"),
        ("incentives:payroll_csv", [], "incentives_award"),
        ("reports:index", [], "reports_reportsnapshot"),
        ("reports:report", ["trends"], "reports_reportrow"),
    ],
)
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_analytics_pages_and_exports_read_from_the_replica(name, args, table, admin_client_role, queries):
    report_services.report_snapshot_create(kind=ReportKind.TRENDS, period="weekly", as_of=AS_OF)
    with queries() as (on_default, on_replica):
        response = admin_client_role.get(reverse(name, args=args))
    assert response.status_code == 200
    assert _touching(on_replica, table) and _touching(on_default, table) == []
    assert _touching(on_default, "auth_user")  # who is asking was read from the primary


@pytest.mark.parametrize(
    "path", ["/api/v1/reports/", "/api/v1/reports/trends/", "/api/v1/reports/trends/snapshots/", "{snap}/rows/"]
)
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_report_endpoints_read_snapshots_from_the_replica(path, admin_api, queries):
    snapshot = report_services.report_snapshot_create(kind=ReportKind.TRENDS, period="weekly", as_of=AS_OF)
    url = path.format(snap=f"/api/v1/reports/trends/snapshots/{snapshot.pk}")
    with queries() as (on_default, on_replica):
        response = admin_api.get(url)
    assert response.status_code == 200
    assert _touching(on_replica, "reports_report") and _touching(on_default, "reports_report") == []
    assert _touching(on_default, "crm_apitoken")  # the token is checked on the primary

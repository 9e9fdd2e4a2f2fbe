"""PostgreSQL only: the search is indexed by the trigram indexes, and similar names are found."""

import pytest
from django.db import connection

from clients import selectors
from clients.models import Client
from tests.factories import ClientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def _plan(qs) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")  # leaves bitmap scans: which index matches the LIKE?
        try:
            sql, params = qs.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")
            cursor.execute("SET enable_indexscan = on")


def test_search_can_use_trigram_indexes_on_name_email_and_phone():
    ClientFactory(name="Northern Paper")
    plan = _plan(Client.objects.filter(selectors._search_q("paper")))
    assert "client_name_trgm" in plan and "client_email_trgm" in plan
    phone_plan = _plan(Client.objects.filter(selectors._search_q("7946 0001")))
    assert "client_phone_trgm" in phone_plan


def test_similar_name_is_found_by_trigram_similarity():
    known = ClientFactory(name="Riverside Printing Ltd")
    ClientFactory(name="Completely Different")
    found = selectors.client_duplicates(name="Riverside Printng")
    assert [c.pk for c in found] == [known.pk]


def test_concurrent_upserts_of_one_external_id_make_one_client():
    import threading

    from django.db import connections

    from clients import services

    errors, barrier = [], threading.Barrier(4)

    def put(i):
        try:
            barrier.wait()
            services.client_upsert_by_external_id(external_id="ERP-RACE", data={"name": f"Race {i}"})
        except Exception as exc:  # collected, asserted below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connection, or the test database cannot be dropped

    threads = [threading.Thread(target=put, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Client.objects.filter(external_id="ERP-RACE").count() == 1


def test_list_filters_have_pair_statistics_and_composite_indexes():
    """Without statistics on (manager, status) and (segment, status) the planner assumes the columns are
    independent and scans the whole table for combinations that are rare; with them it uses the indexes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'clients_client'::regclass")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'clients_client'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"client_manager_status_stats", "client_segment_status_stats"} <= names
    assert {"client_manager_status_idx", "client_segment_status_idx"} <= indexes

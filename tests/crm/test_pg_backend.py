"""crm.pg: the health check that asks the server only when its socket has something to say, and the
statements every request runs prepared once per connection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.api.authentication import TOKEN_USER
from crm.auth_tokens import key_hash, token_issue

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL")


def _prepared_on_server() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_a_quiet_connection_is_usable_without_a_query():
    connection.ensure_connection()
    with CaptureQueriesContext(connection) as queries:
        assert connection.is_usable()
    assert len(queries) == 0


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_not_usable_and_the_next_use_reconnects():
    import time

    import psycopg2

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    for _ in range(50):  # the termination notice reaches our socket
        if not connection.is_usable():
            break
        time.sleep(0.02)
    assert not connection.is_usable()
    # what Django does at the start of a request with CONN_HEALTH_CHECKS: a dead connection is replaced
    connection.close_if_unusable_or_obsolete()
    connection.health_check_done = False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


@pytest.mark.django_db
def test_the_token_query_is_prepared_once_per_connection_and_answers_as_before(sales_manager):
    key = token_issue(user=sales_manager, name="prep").key
    first = TOKEN_USER.instances(hash_value=key_hash(key), now=timezone.now())
    name = connection.prepared_names[TOKEN_USER._compiled(connection).sql]
    assert name in _prepared_on_server()
    with CaptureQueriesContext(connection) as queries:
        again = TOKEN_USER.instances(hash_value=key_hash(key), now=timezone.now())
    assert len(queries) == 1
    assert queries[0]["sql"].startswith(f"EXECUTE {name} (") and key_hash(key) in queries[0]["sql"]
    assert [u.pk for u in first] == [u.pk for u in again] == [sales_manager.pk]
    assert TOKEN_USER.instances(hash_value=key_hash("not a token"), now=timezone.now()) == []


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(sales_manager):
    key = token_issue(user=sales_manager, name="prep").key
    assert TOKEN_USER.instances(hash_value=key_hash(key), now=timezone.now())
    connection.close()
    assert TOKEN_USER.instances(hash_value=key_hash(key), now=timezone.now())  # no "does not exist" error
    assert connection.prepared_names[TOKEN_USER._compiled(connection).sql] in _prepared_on_server()


@pytest.mark.django_db
def test_prepared_statements_can_be_turned_off(settings, sales_manager):
    settings.DATABASE_PREPARED_STATEMENTS = False
    key = token_issue(user=sales_manager, name="prep").key
    with CaptureQueriesContext(connection) as queries:
        assert TOKEN_USER.instances(hash_value=key_hash(key), now=timezone.now())
    assert len(queries) == 1 and queries[0]["sql"].startswith("SELECT ")

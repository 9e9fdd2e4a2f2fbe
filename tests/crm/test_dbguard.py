"""crm.dbguard.append_only: the migration operation behind the append-only ledger tables (the triggers themselves
are exercised on PostgreSQL in tests/purchases/test_ledger_guard.py)."""

import pytest
from django.db import connection

from crm.dbguard import APPEND_ONLY_SQLSTATE, PostgresOnlyRunSQL, append_only, is_append_only_violation


def test_fully_append_only_refuses_every_update_and_delete():
    op = append_only("shop_entry")
    assert isinstance(op, PostgresOnlyRunSQL) and op.reversible
    assert "BEFORE UPDATE OR DELETE ON shop_entry" in op.sql and f"ERRCODE = '{APPEND_ONLY_SQLSTATE}'" in op.sql
    assert "IS DISTINCT FROM" not in op.sql
    assert "DROP TRIGGER IF EXISTS shop_entry_append_only ON shop_entry" in op.reverse_sql


def test_frozen_columns_are_compared_only_when_the_condition_holds():
    op = append_only("shop_invoice", frozen_columns=["number", "total"], frozen_when="OLD.number IS NOT NULL")
    assert "IF (OLD.number IS NOT NULL) THEN" in op.sql
    assert "NEW.number IS DISTINCT FROM OLD.number" in op.sql and "NEW.total IS DISTINCT FROM OLD.total" in op.sql


def test_names_must_be_plain_identifiers():
    with pytest.raises(ValueError):
        append_only("entry; DROP TABLE x")
    with pytest.raises(ValueError):
        append_only("entry", frozen_columns=["a b"])


@pytest.mark.django_db
def test_the_operation_is_a_no_op_off_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the trigger is installed")
    op = append_only("table_that_does_not_exist")

    class Editor:  # only the vendor is asked; running the SQL here would fail (no such table, no plpgsql)
        def __init__(self):
            self.connection = connection

        def execute(self, *args, **kwargs):
            raise AssertionError("no SQL off PostgreSQL")

    op.database_forwards("crm", Editor(), None, None)
    op.database_backwards("crm", Editor(), None, None)


def test_recognises_the_sqlstate_through_the_cause_chain():
    class Driver(Exception):
        pgcode = APPEND_ONLY_SQLSTATE

    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = Driver()
    assert is_append_only_violation(wrapped) and not is_append_only_violation(RuntimeError("other"))

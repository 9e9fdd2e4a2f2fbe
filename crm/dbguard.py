"""Database-enforced append-only tables: a PostgreSQL trigger that refuses UPDATE and DELETE of rows the
application must never rewrite (ledger entries, issued documents), whatever code path or raw SQL tries.

Use it in a migration, after the table exists:

    from crm.dbguard import append_only

    operations = [
        append_only("purchases_purchase"),  # every UPDATE and DELETE refused
        append_only(
            "purchases_invoice",
            frozen_columns=["number", "net_total"],  # these may not change...
            frozen_when="OLD.number IS NOT NULL",  # ...once the row is issued; DELETE refused then too
        ),
    ]

API:
- `append_only(table, *, frozen_columns=None, frozen_when=None) -> Operation`
  - `table`: the database table name (`Model._meta.db_table`, spelled out in the migration).
  - `frozen_columns=None`: the table is fully append-only, every UPDATE and DELETE of a row is refused
    (`frozen_when` may still narrow which rows: e.g. "OLD.kind = 'sale'").
  - `frozen_columns=[...]` (database column names, `client_id` not `client`): an UPDATE that changes any of them
    (`IS DISTINCT FROM`, so NULL -> value counts as a change) is refused, and so is a DELETE, but only for rows
    where `frozen_when` holds; other columns and other rows update freely.
  - `frozen_when`: an SQL boolean expression over `OLD` (the row before the statement), inlined in the
    trigger function, e.g. "OLD.number IS NOT NULL". None means always.
  - The operation is reversible (the reverse drops the trigger and its function) and does nothing on other
    database vendors (SQLite in development and the default test run): it checks the connection's vendor.
  - One trigger and one function per table, both named `<table>_append_only`; calling append_only again for
    the same table in a later migration replaces them (CREATE OR REPLACE, DROP TRIGGER IF EXISTS first).
- A refused statement raises SQLSTATE `APPEND_ONLY_SQLSTATE` ("CR001") with a message naming the table and,
  for a frozen column, the column. Django surfaces it as a `django.db.DatabaseError` (usually InternalError);
  `is_append_only_violation(exc)` recognises it, so the app can answer with its own words.
- TRUNCATE is not refused: it is what the test runner's flush uses, and no application path truncates.
"""

from django.db import migrations

APPEND_ONLY_SQLSTATE = "CR001"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _forward_sql(table: str, frozen_columns: list[str] | None, frozen_when: str | None) -> str:
    name = f"{table}_append_only"
    when = f"({frozen_when})" if frozen_when else "TRUE"
    if frozen_columns:
        checks = "\n".join(
            f"    IF NEW.{col} IS DISTINCT FROM OLD.{col} THEN\n"
            f"      RAISE EXCEPTION USING ERRCODE = '{APPEND_ONLY_SQLSTATE}',\n"
            f"        MESSAGE = {_sql_literal(f'{table}.{col} is frozen: this row can no longer be changed')};\n"
            f"    END IF;"
            for col in frozen_columns
        )
        update_branch = f"  IF {when} THEN\n{checks}\n  END IF;\n  RETURN NEW;"
    else:
        update_branch = (
            f"  IF {when} THEN\n"
            f"    RAISE EXCEPTION USING ERRCODE = '{APPEND_ONLY_SQLSTATE}',\n"
            f"      MESSAGE = {_sql_literal(f'{table} is append-only: UPDATE refused')};\n"
            f"  END IF;\n  RETURN NEW;"
        )
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $crm_guard$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF {when} THEN
      RAISE EXCEPTION USING ERRCODE = '{APPEND_ONLY_SQLSTATE}',
        MESSAGE = {_sql_literal(f"{table} is append-only: DELETE refused")};
    END IF;
    RETURN OLD;
  END IF;
{update_branch}
END;
$crm_guard$;
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
"""


def _reverse_sql(table: str) -> str:
    name = f"{table}_append_only"
    return f"DROP TRIGGER IF EXISTS {name} ON {table};\nDROP FUNCTION IF EXISTS {name}();"


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL (a no-op elsewhere, e.g. SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def append_only(
    table: str, *, frozen_columns: list[str] | None = None, frozen_when: str | None = None
) -> migrations.operations.base.Operation:
    """The migration operation installing the append-only trigger on `table` (see the module docstring)."""
    for ident in [table, *(frozen_columns or [])]:
        if not ident.replace("_", "").isalnum():
            raise ValueError(f"Not a plain SQL identifier: {ident!r}")
    return PostgresOnlyRunSQL(
        sql=_forward_sql(table, frozen_columns, frozen_when),
        reverse_sql=_reverse_sql(table),
        elidable=False,
    )


def is_append_only_violation(exc: BaseException) -> bool:
    """Whether a database error is the append-only trigger refusing a statement."""
    while exc is not None:
        if getattr(exc, "pgcode", None) == APPEND_ONLY_SQLSTATE or getattr(exc, "sqlstate", None) == (
            APPEND_ONLY_SQLSTATE
        ):
            return True
        exc = exc.__cause__
    return False

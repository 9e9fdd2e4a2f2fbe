"""PostgreSQL only: pg_trgm and trigram GIN indexes so `icontains` search (UPPER(col) LIKE UPPER('%q%'))
and name similarity stay indexed at 100,000 clients. SQLite skips this migration's SQL."""

from django.db import migrations

INDEXES = [
    ("client_name_trgm", "clients_client", "name"),
    ("client_email_trgm", "clients_client", "email"),
    ("client_phone_trgm", "clients_client", "phone"),
    ("contact_name_trgm", "clients_contactperson", "name"),
    ("contact_email_trgm", "clients_contactperson", "email"),
    ("contact_phone_trgm", "clients_contactperson", "phone"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_import_job")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

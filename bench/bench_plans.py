"""Helpers shared by the benches: capture the SQL a request or a service call runs, EXPLAIN each statement on
PostgreSQL and refuse a sequential scan of a large table; list a table's secondary indexes (dropped during a
set-based load and rebuilt after)."""

import contextlib
import re

# Tables that must never be read by a sequential scan at scale, whatever their size; any other table of at least
# BIG_ROWS rows (planner estimate) counts too. Small lookup tables (segments, tiers, products, groups) may be.
BIG_TABLES = re.compile(r"^(clients_client|clients_contactperson|clients_channelconsent|purchases_\w+|complaints_\w+)$")
SMALL_LOOKUPS = {"purchases_discounttier", "purchases_product", "purchases_category", "purchases_productweight"}
BIG_ROWS = 10_000
SKIP = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|LOCK|NOTIFY|SELECT pg_)", re.I)


def secondary_indexes(connection, tables) -> list[tuple[str, str]]:
    """(name, CREATE INDEX ...) of the indexes of `tables` that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
               ORDER BY i.indexname""",
            [list(tables)],
        )
        return cursor.fetchall()


@contextlib.contextmanager
def captured(connection):
    """Collects (sql, params) of every statement run on `connection` inside the block."""
    statements: list[tuple[str, object]] = []

    def wrapper(execute, sql, params, many, context):
        if not many:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def _walk(node, out):
    out.append(node)
    for child in node.get("Plans", []):
        _walk(child, out)


def explain(connection, sql, params) -> list[dict]:
    """The plan nodes (EXPLAIN, FORMAT JSON, not executed) of one statement, depth first."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    nodes: list[dict] = []
    _walk(plan[0]["Plan"], nodes)
    return nodes


def _row_estimates(connection) -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        return dict(cursor.fetchall())


def node_label(node: dict) -> str:
    where = node.get("Index Name") or node.get("Relation Name") or ""
    return f"{node['Node Type']}({where})" if where else node["Node Type"]


def check_statements(connection, statements, *, title: str, out=print) -> list[str]:
    """EXPLAINs every statement (transaction control skipped), prints one line each with its plan's node types,
    and returns the offences: sequential scans of the big tables (or of any table of BIG_ROWS+ rows)."""
    sizes = _row_estimates(connection)
    offences = []
    out(f"\nplans: {title}")
    seen = set()
    for sql, params in statements:
        if SKIP.match(sql) or (sql, str(params)) in seen:
            continue
        seen.add((sql, str(params)))
        nodes = explain(connection, sql, params)
        labels = [node_label(n) for n in nodes]
        head = re.sub(r"\s+", " ", sql)[:90]
        out(f"  {head} ...\n      -> {', '.join(labels)}")
        for n in nodes:
            if n["Node Type"] != "Seq Scan":
                continue
            table = n.get("Relation Name", "")
            big = (BIG_TABLES.match(table) and table not in SMALL_LOOKUPS) or sizes.get(table, 0) >= BIG_ROWS
            if big:
                offences.append(f"{title}: Seq Scan on {table} in: {head}")
    return offences

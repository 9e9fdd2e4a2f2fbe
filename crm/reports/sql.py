"""The few SQL fragments that differ between SQLite and PostgreSQL, and conversions of raw results.

The vendor checks and parameter conversions ask the primary's connection: a replica runs the same engine."""

from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from crm.db import read_connection
from crm.money import money


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def days_between(start: str, end: str) -> str:
    """Fractional days from `start` to `end` (SQL expressions), as a float: it only scales money, and numeric
    division would carry ever more digits through the derived figures."""
    if is_postgres():
        return f"(CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision) / 86400.0)"
    return f"(julianday({end}) - julianday({start}))"


def as_float(expr: str) -> str:
    """`expr` as a float on PostgreSQL, where numeric money mixed with a float is converted anyway (through
    its text form): converting once where a figure is computed saves converting it in every expression."""
    return f"CAST({expr} AS double precision)" if is_postgres() else expr


def shift_days(expr: str, days: int) -> str:
    """`expr` moved by `days` (may be negative)."""
    if is_postgres():
        return f"({expr} + INTERVAL '{int(days)} days')"
    # Django stores SQLite datetimes as text "YYYY-MM-DD HH:MM:SS[.ffffff]"; trimming the zero fraction makes a
    # whole-second bound compare equal to a value stored at that second. %% for the driver's formatting.
    shifted = f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {expr}, '{int(days):+d} days')"
    return f"rtrim(rtrim({shifted}, '0'), '.')"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if is_postgres() else f"MIN({a}, {b})"


def greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if is_postgres() else f"MAX({a}, {b})"


def fixed(expr: str, places: int = 2, *, null_as_zero: bool = True) -> str:
    """`expr` rounded half away from zero to `places` decimals, as text ("140.00"): money leaves the database
    ready for JSON, without a Python conversion per value (a value report can hold 100,000 rows)."""
    value = f"COALESCE({expr}, 0)" if null_as_zero else expr
    if is_postgres():
        return f"CAST(ROUND(CAST({value} AS numeric), {places}) AS text)"
    text = f"printf('%%.{places}f', {value})"
    return text if null_as_zero else f"CASE WHEN {expr} IS NULL THEN NULL ELSE {text} END"


def ts(value: datetime):
    """A timezone-aware datetime as a raw query parameter (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def dec(value) -> Decimal:
    """A raw numeric result (int, float from SQLite, Decimal from PostgreSQL) as money."""
    if value is None:
        return money(0)
    return money(Decimal(str(value)))


def ratio(value, places: str = "0.0001") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places))


def fetch_dicts(sql: str, params, *, using: BaseDatabaseWrapper | None = None) -> list[dict]:
    """Rows of a read-only statement as dicts, on the replica inside crm.db.replica_reads() (raw SQL bypasses
    the router); `using` pins a connection (a statement that reads a temporary table made on it)."""
    with (using or read_connection()).cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

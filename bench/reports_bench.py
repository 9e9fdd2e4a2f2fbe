"""Report timings at scale, each next to one hand-written SQL aggregate computing the same core figures.

    .venv/bin/python bench/reports_bench.py                 # N=100000 clients, LINES=1000000 purchase lines
    N=2000 LINES=20000 .venv/bin/python bench/reports_bench.py
    REUSE=1 ONLY=segment .venv/bin/python bench/reports_bench.py   # time again on the database left behind

Drops and recreates the PostgreSQL database bench_reports (BENCH_DB), migrates, loads with COPY: N clients in
SEGMENTS segments with MANAGERS managers, PRODUCTS products in CATEGORIES categories, LINES lines in purchases
of ~3 lines over two years (5 % returns), complaints and goodwill gestures for ~2 % of clients, interactions.
Then times each report's SQL (value per client, value per segment, the value snapshot's one pass computing
both through a temporary table, perk return, trends) against hand-written GROUP BY queries of the same
figures, and the full snapshot (SQL + storing the rows). Prints markdown tables.

REUSE=1 skips dropping and loading: it times the reports on the database a previous run left behind (same
N and LINES). ONLY=text times only the reports whose name contains it, and skips the snapshots."""

import io
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N = int(os.environ.get("N", "100000"))
LINES = int(os.environ.get("LINES", str(N * 10)))
PRODUCTS = int(os.environ.get("PRODUCTS", "3000"))
CATEGORIES = int(os.environ.get("CATEGORIES", "200"))
SEGMENTS = int(os.environ.get("SEGMENTS", "12"))
MANAGERS = int(os.environ.get("MANAGERS", "20"))
DB = os.environ.get("BENCH_DB", "bench_reports")
REPEAT = int(os.environ.get("REPEAT", "5"))
REUSE = os.environ.get("REUSE") == "1"
ONLY = os.environ.get("ONLY", "")

os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ.setdefault("DJANGO_DEBUG", "1")


def recreate_database():
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        cur.execute(f'CREATE DATABASE "{DB}"')
    conn.close()


if not REUSE:
    recreate_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import NOT_PROVIDED  # noqa: E402

from clients.models import Client, Interaction, Segment  # noqa: E402
from complaints.models import Complaint, GoodwillGesture  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.reports import perks, services, trends, value  # noqa: E402
from crm.roles import Role  # noqa: E402
from purchases.models import Category, Product, Purchase, PurchaseLine  # noqa: E402

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)
rng = random.Random(7)


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy(model, rows, given: list[str]):
    """COPY rows (tuples in the order of `given` columns) into the model's table; every other concrete column
    gets its field default (or NULL), so the load follows the other apps' schema as it changes."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.column in given]
    rest = []
    for f in fields:
        if f.column in given:
            continue
        if f.has_default():
            default = f.default() if callable(f.default) else f.default
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            default = AS_OF
        elif f.null:
            default = None
        elif f.blank:
            default = ""
        else:
            raise SystemExit(f"{model.__name__}.{f.name}: no value and no default")
        if default is NOT_PROVIDED:
            default = None
        rest.append((f.column, _text(default)))
    columns = given + [c for c, _ in rest]
    tail = "".join("\t" + v for _, v in rest)
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join(_text(v) for v in row) + tail + "\n")
    buf.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buf)


def set_sequence(model):
    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def when(days_back_max: int = 730) -> datetime:
    return AS_OF - timedelta(days=rng.random() * days_back_max)


def load():
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    managers = [
        crm_services.user_create(username=f"bm{i}", role=Role.SALES_MANAGER, password="x" * 12).pk
        for i in range(MANAGERS)
    ]
    admin = crm_services.user_create(username="badmin", role=Role.ADMINISTRATOR, password="x" * 12).pk
    copy(Segment, ((i + 1, f"Segment {i}", f"seg-{i}") for i in range(SEGMENTS)), ["id", "name", "code"])
    copy(Category, ((i + 1, f"Category {i}", f"cat-{i}") for i in range(CATEGORIES)), ["id", "name", "code"])
    prices = {}
    product_rows = []
    for i in range(PRODUCTS):
        price = Decimal(rng.randint(100, 20000)) / 100
        cost = (price * Decimal(rng.randint(40, 85)) / 100).quantize(Decimal("0.01"))
        prices[i + 1] = (price, cost)
        product_rows.append((i + 1, f"B-{i:06d}", f"Product {i}", rng.randint(1, CATEGORIES), price, cost))
    copy(Product, product_rows, ["id", "sku", "name", "category_id", "unit_price", "unit_cost"])
    interests = [f"cat-{i}" for i in range(20)] + ["3d printers", "vinyl", "laser engraving"]
    copy(
        Client,
        (
            (
                i + 1,
                f"Client {i}",
                rng.randint(1, SEGMENTS),
                rng.choice(managers),
                "active",
                when(1100),
                [rng.choice(interests)] if i % 5 == 0 else [],
            )
            for i in range(N)
        ),
        ["id", "name", "segment_id", "manager_id", "status", "first_contact_at", "interests"],
    )
    purchases, lines = [], []
    pid = lid = 0
    while lid < LINES:
        pid += 1
        client = rng.randint(1, N)
        at = when()
        is_return = rng.random() < 0.05
        sign = -1 if is_return else 1
        gross = net = discount = Decimal("0")
        for _ in range(min(rng.randint(1, 5), LINES - lid)):
            lid += 1
            product = rng.randint(1, PRODUCTS)
            price, cost = prices[product]
            qty = Decimal(rng.randint(1, 10) * sign)
            amount = price * qty
            disc = (amount * Decimal("0.05")).quantize(Decimal("0.01")) if rng.random() < 0.3 else Decimal("0")
            lines.append((lid, pid, product, qty, price, amount, disc, amount - disc, cost, True, Decimal("1")))
            gross, discount, net = gross + amount, discount + disc, net + amount - disc
        kind = "return" if is_return else "sale"
        purchases.append((pid, client, kind, at, admin, gross, Decimal("0"), discount, net, 0, 0))
    copy(
        Purchase,
        purchases,
        [
            "id",
            "client_id",
            "kind",
            "purchased_at",
            "recorded_by_id",
            "gross_total",
            "discount_percent",
            "discount_amount",
            "net_total",
            "cumulative_before",
            "cumulative_after",
        ],
    )
    copy(
        PurchaseLine,
        lines,
        [
            "id",
            "purchase_id",
            "product_id",
            "quantity",
            "unit_price",
            "gross_amount",
            "discount_amount",
            "net_amount",
            "unit_cost",
            "discount_eligible",
            "incentive_weight",
        ],
    )
    n_complaints = max(N // 50, 10)
    complaint_rows = [
        (i + 1, f"B-{i:07d}", "complaint", "phone", rng.randint(1, N), "text", Decimal(rng.randint(5, 60)), when(400))
        for i in range(n_complaints)
    ]
    copy(
        Complaint,
        complaint_rows,
        ["id", "reference", "kind", "channel", "client_id", "text", "handling_cost", "created_at"],
    )
    kinds = [k for k, _ in GoodwillGesture.GestureKind.choices]
    copy(
        GoodwillGesture,
        (
            (i + 1, c[0], c[4], rng.choice(kinds), Decimal(rng.randint(5, 80)), c[7] + timedelta(days=1), admin)
            for i, c in enumerate(complaint_rows)
        ),
        ["id", "complaint_id", "client_id", "kind", "cost", "given_at", "given_by_id"],
    )
    copy(
        Interaction,
        ((i + 1, rng.randint(1, N), "call", when(365), rng.choice(managers), "call") for i in range(N // 2)),
        ["id", "client_id", "kind", "occurred_at", "staff_id", "summary"],
    )
    for model in (Segment, Category, Product, Client, Purchase, PurchaseLine, Complaint, GoodwillGesture, Interaction):
        set_sequence(model)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return time.monotonic() - started, pid


HAND_VALUE_CLIENT = """
SELECT c.id, c.segment_id, c.manager_id, p.sales, p.revenue, p.discounts, lc.cost, gw.goodwill, cp.handling,
  COALESCE(p.revenue, 0) - COALESCE(lc.cost, 0) AS margin,
  COALESCE(p.revenue, 0) - COALESCE(lc.cost, 0) - COALESCE(gw.goodwill, 0) - COALESCE(cp.handling, 0) AS net,
  p.revenue / NULLIF(p.sales, 0) AS aov,
  EXTRACT(EPOCH FROM (%(as_of)s - COALESCE(c.first_contact_at, c.created_at))) / 86400.0 AS tenure_days,
  p.last_sale, p.recent, p.prior, p.in_window, p.in_prev_window, ia.last_contact
FROM clients_client c
LEFT JOIN (SELECT client_id, COUNT(*) FILTER (WHERE kind = 'sale') AS sales, SUM(net_total) AS revenue,
             SUM(discount_amount) AS discounts, MAX(purchased_at) FILTER (WHERE kind = 'sale') AS last_sale,
             COUNT(*) FILTER (WHERE kind = 'sale' AND purchased_at >= %(as_of)s - INTERVAL '90 days') AS recent,
             COUNT(*) FILTER (WHERE kind = 'sale' AND purchased_at >= %(as_of)s - INTERVAL '180 days'
                              AND purchased_at < %(as_of)s - INTERVAL '90 days') AS prior,
             COUNT(*) FILTER (WHERE kind = 'sale' AND purchased_at >= %(as_of)s - INTERVAL '180 days') AS in_window,
             COUNT(*) FILTER (WHERE kind = 'sale' AND purchased_at >= %(as_of)s - INTERVAL '360 days'
                              AND purchased_at < %(as_of)s - INTERVAL '180 days') AS in_prev_window
           FROM purchases_purchase WHERE purchased_at < %(as_of)s GROUP BY client_id) p ON p.client_id = c.id
LEFT JOIN (SELECT pu.client_id, SUM(l.quantity * l.unit_cost) AS cost FROM purchases_purchaseline l
           JOIN purchases_purchase pu ON pu.id = l.purchase_id WHERE pu.purchased_at < %(as_of)s
           GROUP BY pu.client_id) lc ON lc.client_id = c.id
LEFT JOIN (SELECT client_id, SUM(cost) AS goodwill FROM complaints_goodwillgesture GROUP BY client_id) gw
  ON gw.client_id = c.id
LEFT JOIN (SELECT client_id, SUM(handling_cost) AS handling FROM complaints_complaint GROUP BY client_id) cp
  ON cp.client_id = c.id
LEFT JOIN (SELECT client_id, MAX(occurred_at) AS last_contact FROM clients_interaction GROUP BY client_id) ia
  ON ia.client_id = c.id
ORDER BY COALESCE(p.revenue, 0) - COALESCE(lc.cost, 0) DESC"""

HAND_VALUE_SEGMENT = f"""
SELECT segment_id, COUNT(*), SUM(COALESCE(sales, 0)), SUM(COALESCE(revenue, 0)),
  SUM(COALESCE(revenue, 0) - COALESCE(cost, 0)), SUM(COALESCE(discounts, 0)),
  SUM(COALESCE(goodwill, 0) + COALESCE(handling, 0)),
  SUM(COALESCE(revenue, 0) - COALESCE(cost, 0) - COALESCE(goodwill, 0) - COALESCE(handling, 0))
FROM ({HAND_VALUE_CLIENT.split("ORDER BY")[0]}) x
GROUP BY segment_id"""

HAND_PERKS = """
WITH g AS (
  SELECT g.kind, g.cost, c.segment_id,
    (SELECT COALESCE(SUM(p.net_total), 0) FROM purchases_purchase p WHERE p.client_id = g.client_id
      AND p.purchased_at >= g.given_at - INTERVAL '90 days' AND p.purchased_at < g.given_at) AS before,
    (SELECT COALESCE(SUM(p.net_total), 0) FROM purchases_purchase p WHERE p.client_id = g.client_id
      AND p.purchased_at >= g.given_at AND p.purchased_at < LEAST(g.given_at + INTERVAL '90 days', %(as_of)s)) AS after
  FROM complaints_goodwillgesture g JOIN clients_client c ON c.id = g.client_id
  WHERE g.given_at >= %(since)s AND g.given_at < %(as_of)s),
ctl AS (
  SELECT c.segment_id, AVG(COALESCE(x.after, 0) - COALESCE(x.before, 0)) AS change
  FROM clients_client c LEFT JOIN (
    SELECT client_id, SUM(net_total) FILTER (WHERE purchased_at < %(ref)s) AS before,
      SUM(net_total) FILTER (WHERE purchased_at >= %(ref)s) AS after
    FROM purchases_purchase WHERE purchased_at >= %(ref_start)s AND purchased_at < %(as_of)s GROUP BY client_id
  ) x ON x.client_id = c.id
  WHERE NOT EXISTS (SELECT 1 FROM complaints_goodwillgesture g2 WHERE g2.client_id = c.id)
  GROUP BY c.segment_id),
m AS (SELECT SUM(l.net_amount - l.quantity * l.unit_cost) / NULLIF(SUM(l.net_amount), 0) AS ratio
  FROM purchases_purchaseline l JOIN purchases_purchase pu ON pu.id = l.purchase_id
  WHERE pu.purchased_at >= %(since)s - INTERVAL '90 days' AND pu.purchased_at < %(as_of)s)
SELECT g.kind, COUNT(*), SUM(g.cost), SUM(g.after - g.before - COALESCE(ctl.change, 0)) * MAX(m.ratio)
FROM g LEFT JOIN ctl ON ctl.segment_id = g.segment_id CROSS JOIN m GROUP BY g.kind"""

HAND_TRENDS = """
SELECT c.segment_id, pr.category_id,
  SUM(l.net_amount) FILTER (WHERE pu.purchased_at >= %(b0)s),
  SUM(l.net_amount) FILTER (WHERE pu.purchased_at < %(b0)s) / 3,
  SUM(l.quantity) FILTER (WHERE pu.purchased_at >= %(b0)s),
  COUNT(DISTINCT pu.client_id) FILTER (WHERE pu.purchased_at >= %(b0)s)
FROM purchases_purchaseline l JOIN purchases_purchase pu ON pu.id = l.purchase_id
JOIN clients_client c ON c.id = pu.client_id JOIN purchases_product pr ON pr.id = l.product_id
WHERE pu.purchased_at >= %(b3)s AND pu.purchased_at < %(as_of)s
GROUP BY c.segment_id, pr.category_id"""


def best(fn) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def hand(sql_text, params):
    def run():
        with connection.cursor() as cur:
            for statement in sql_text.split(";"):  # the one-pass case has two: client and segment figures
                cur.execute(statement, params)
                cur.fetchall()

    return run


def main():
    if REUSE:
        call_command("migrate", verbosity=0)
        print(f"Reusing database {DB} as loaded\n")
    else:
        load_s, purchases_n = load()
        print(f"Loaded {N} clients, {purchases_n} purchases, {LINES} lines, {PRODUCTS} products in {load_s:.1f} s\n")
    vp = value.parameters()
    pp = perks.parameters()
    tp = trends.parameters("monthly")
    tparams = trends._params(AS_OF, tp)
    perk_params = {
        "as_of": AS_OF,
        "since": AS_OF - timedelta(days=pp["lookback_days"]),
        "ref": AS_OF - timedelta(days=pp["window_days"]),
        "ref_start": AS_OF - timedelta(days=2 * pp["window_days"]),
    }
    # (name, the report's SQL alone, the whole report function, hand-written SQL, its parameters)
    cases = [
        (
            "value per client",
            hand(value.client_sql(), value._params(AS_OF, vp)),
            lambda: value.client_rows(AS_OF),
            HAND_VALUE_CLIENT,
            {"as_of": AS_OF},
        ),
        (
            "value per segment",
            hand(value.segment_sql(), value._params(AS_OF, vp)),
            lambda: value.segment_rows(AS_OF),
            HAND_VALUE_SEGMENT,
            {"as_of": AS_OF},
        ),
        (
            "value snapshot: clients + segments in one pass",
            lambda: value.compute(AS_OF, vp),
            lambda: value.compute(AS_OF, vp),
            HAND_VALUE_CLIENT + ";" + HAND_VALUE_SEGMENT,
            {"as_of": AS_OF},
        ),
        ("perk return", hand(perks._sql(pp), perk_params), lambda: perks.rows(AS_OF), HAND_PERKS, perk_params),
        (
            "trends: demand per segment x category",
            hand(trends.demand_sql(tp), tparams),
            lambda: trends.compute(AS_OF, tp),
            HAND_TRENDS,
            {"as_of": AS_OF, "b0": AS_OF - timedelta(days=30), "b3": AS_OF - timedelta(days=120)},
        ),
    ]
    print("| report | report SQL (s) | hand-written SQL (s) | ratio | whole report incl. formatting (s) |")
    print("|---|---:|---:|---:|---:|")
    for name, report_sql, report_fn, hand_sql, params in cases:
        if ONLY not in name:
            continue
        r, h, whole = best(report_sql), best(hand(hand_sql, params)), best(report_fn)
        print(f"| {name} | {r:.3f} | {h:.3f} | {r / h:.2f}x | {whole:.3f} |")
    print("\n(the whole trends report also runs the series, complaint topics and unserved interests queries)")
    if ONLY:
        return
    print("\n| snapshot (SQL + storing rows) | seconds | rows |")
    print("|---|---:|---:|")
    for kind in ("value", "perks", "trends"):
        started = time.perf_counter()
        snap = services.report_snapshot_create(kind=kind, period="monthly", as_of=AS_OF)
        print(f"| {kind} | {time.perf_counter() - started:.2f} | {snap.row_count} |")


if __name__ == "__main__":
    main()

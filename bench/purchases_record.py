"""Recording a purchase must not scan the ledger: the running total lives on ClientAccount (one locked row).

    .venv/bin/python bench/purchases_record.py                # SMALL=1000 and N=10000000 ledger rows
    SMALL=1000 N=20000 REPEAT=100 .venv/bin/python bench/purchases_record.py
    HTTP=1 BENCH_DB=crm_speed .venv/bin/python bench/purchases_record.py   # + 4 concurrent clients over HTTP

Drops and recreates the PostgreSQL database bench_purchases (BENCH_DB), migrates, loads SMALL ledger rows
(purchases + one line each, set-based INSERT ... SELECT generate_series in the database, with consistent running
totals, account totals and tiers), times REPEAT recordings through purchases.services.purchase_record
(median and p95), grows the ledger to N rows, times again and prints the ratio (must stay <= 1.2), then
posts API_N purchases through the API in process (DRF APIClient, token auth) and prints purchases/second.
A large growth loads in chunks of CHUNK sales with the ledger tables' secondary indexes dropped and rebuilt
after (10,000,000 rows in minutes, not hours).

At the large size every statement of one recording (service and API POST) is EXPLAINed: the bench prints
each plan's node types and exits non-zero when one reads clients, purchases or complaints by a sequential
scan (or any table of 10,000+ rows). With HTTP=1 it also serves the database with gunicorn -w 2 (DEBUG off)
and posts from 4 concurrent keep-alive clients for HTTP_SECONDS, at the small and at the large size
(target: >= 100 purchases/s, large/small ratio <= 1.2)."""

import io
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SMALL = int(os.environ.get("SMALL", "1000"))
N = int(os.environ.get("N", "10000000"))
CHUNK = int(os.environ.get("CHUNK", "2500000"))
HTTP = os.environ.get("HTTP", "") not in ("", "0")
HTTP_SECONDS = float(os.environ.get("HTTP_SECONDS", "10"))
REPEAT = int(os.environ.get("REPEAT", "200"))
API_N = int(os.environ.get("API_N", "300"))
WARMUP = 20
CLIENTS = int(os.environ.get("CLIENTS", "2000"))
DB = os.environ.get("BENCH_DB", "bench_purchases")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
LEDGER_TABLES = ("purchases_purchase", "purchases_purchaseline")


def setup_database():
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)


def base_data():
    from django.core.management import call_command

    from clients.models import Client
    from crm import services as crm_services
    from crm.roles import Role
    from purchases import services
    from purchases.models import Category

    call_command("migrate", verbosity=0)
    seller = crm_services.user_create(username="seller", role=Role.SALES_MANAGER, password="bench-pass-123")
    for threshold, percent in (("0", "0"), ("1000", "2"), ("5000", "5"), ("20000", "10")):
        services.tier_save(threshold=Decimal(threshold), percent=Decimal(percent))
    category = Category.objects.create(name="Paper", code="paper")
    products = [
        services.product_create(
            sku=f"B-{i:03d}", name=f"Product {i}", category=category, unit_price=Decimal(5 + i), unit_cost=Decimal(3)
        )
        for i in range(20)
    ]
    Client.objects.bulk_create([Client(name=f"Client {i}", status="active") for i in range(CLIENTS)], batch_size=5000)
    return seller, products, list(Client.objects.order_by("id").values_list("id", flat=True))


def append_ledger(first_id, count, seller):
    """Append `count` sales (ids first_id .. first_id + count - 1) with one line each, set-based in the database
    (INSERT ... SELECT generate_series, seeded random clients, products and quantities). Each entry carries the
    client's running total (window SUM over the client's entries, on top of the account's total so far); the
    accounts are then upserted with their new total and the tier that total reaches, as recording would leave
    them, so the timed recordings start from a consistent ledger."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(first_id % 1000) / 1000])
        cursor.execute("DROP TABLE IF EXISTS bench_gen")
        cursor.execute(
            """
            CREATE TEMPORARY TABLE bench_gen AS
            WITH c AS (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n FROM clients_client),
            pp AS (SELECT id, unit_price, (row_number() OVER (ORDER BY id)) - 1 AS n FROM purchases_product),
            g AS (
                SELECT g AS id, floor(random() * (SELECT count(*) FROM c))::int AS cn,
                       floor(random() * (SELECT count(*) FROM pp))::int AS pn, 1 + floor(random() * 5)::int AS qty
                FROM generate_series(%(first)s, %(last)s) g
            )
            SELECT g.id, c.id AS client_id, pp.id AS product_id, g.qty, pp.unit_price * g.qty AS gross,
                   COALESCE(a.cumulative_total, 0)
                     + SUM(pp.unit_price * g.qty) OVER (PARTITION BY c.id ORDER BY g.id) AS after
            FROM g JOIN c ON c.n = g.cn JOIN pp ON pp.n = g.pn
            LEFT JOIN purchases_clientaccount a ON a.client_id = c.id
            """,
            {"first": first_id, "last": first_id + count - 1},
        )
        cursor.execute(
            """
            INSERT INTO purchases_purchase (id, client_id, kind, purchased_at, recorded_by_id, gross_total,
                discount_percent, discount_amount, net_total, cumulative_before, cumulative_after,
                discount_override_reason, note, created_at)
            SELECT id, client_id, 'sale', %(at)s, %(seller)s, gross, 0, 0, gross, after - gross, after, '', '',
                   %(at)s
            FROM bench_gen ORDER BY id
            """,
            {"at": "2026-01-15 10:00:00+00", "seller": seller.pk},
        )
        cursor.execute(
            """
            INSERT INTO purchases_purchaseline (purchase_id, product_id, quantity, unit_price, gross_amount,
                discount_amount, net_amount, unit_cost, discount_eligible, incentive_weight)
            SELECT b.id, b.product_id, b.qty, pr.unit_price, b.gross, 0, b.gross, 3, true, 1
            FROM bench_gen b JOIN purchases_product pr ON pr.id = b.product_id ORDER BY b.id
            """
        )
        cursor.execute(
            """
            INSERT INTO purchases_clientaccount (client_id, cumulative_total, tier_id, updated_at)
            SELECT t.client_id, t.total,
                   (SELECT d.id FROM purchases_discounttier d WHERE d.threshold <= t.total
                    ORDER BY d.threshold DESC LIMIT 1), now()
            FROM (SELECT client_id, MAX(after) AS total FROM bench_gen GROUP BY client_id) t
            ON CONFLICT (client_id) DO UPDATE
               SET cumulative_total = EXCLUDED.cumulative_total, tier_id = EXCLUDED.tier_id, updated_at = now()
            """
        )
        cursor.execute("DROP TABLE bench_gen")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('purchases_purchase', 'id'), "
            "(SELECT MAX(id) FROM purchases_purchase))"
        )
        cursor.execute("ANALYZE purchases_purchase")
        cursor.execute("ANALYZE purchases_purchaseline")
        cursor.execute("ANALYZE purchases_clientaccount")


def grow_ledger(first_id, count, seller):
    """append_ledger in chunks; for a large growth the ledger's secondary indexes are dropped first and rebuilt
    once after (unique constraints and primary keys stay)."""
    from bench_plans import secondary_indexes
    from django.db import connection

    defs = secondary_indexes(connection, LEDGER_TABLES) if count >= 200_000 else []
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '128MB'")
        for name, _ in defs:
            cursor.execute(f'DROP INDEX "{name}"')
    for start in range(first_id, first_id + count, CHUNK):
        append_ledger(start, min(CHUNK, first_id + count - start), seller)
        print(f"  ledger +{start + min(CHUNK, first_id + count - start) - first_id:,}", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in defs:
            cursor.execute(definition)
        cursor.execute("ANALYZE")


def time_recording(seller, products, client_ids):
    from clients.models import Client
    from purchases import services

    rng = random.Random(3)
    timings = []
    for i in range(REPEAT + WARMUP):
        client = Client(pk=rng.choice(client_ids), name="x")
        lines = [services.LineInput(product=p, quantity=Decimal(rng.randint(1, 4))) for p in rng.sample(products, 3)]
        t = time.perf_counter()
        services.purchase_record(client=client, lines=lines, by=seller)
        if i >= WARMUP:
            timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def api_rate(seller, products, client_ids, tag):
    from rest_framework.test import APIClient

    from crm.auth_tokens import token_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=seller, name='bench').key}")
    rng = random.Random(5)
    t = time.perf_counter()
    for i in range(API_N):
        body = {
            "client": rng.choice(client_ids),
            "external_id": f"API-{tag}-{i}",
            "lines": [{"product": p.sku, "quantity": rng.randint(1, 4)} for p in rng.sample(products, 2)],
        }
        response = api.post("/api/v1/purchases/", body, format="json")
        assert response.status_code == 201, response.content
    return API_N / (time.perf_counter() - t)


def check_plans(seller, products, client_ids) -> list[str]:
    """EXPLAIN every statement of one recording by the service and of one POST through the API."""
    from bench_plans import captured, check_statements
    from django.db import connection
    from rest_framework.test import APIClient

    from clients.models import Client
    from crm.auth_tokens import token_issue
    from purchases import services

    lines = [services.LineInput(product=p, quantity=Decimal(2)) for p in products[:3]]
    with captured(connection) as service_sql:
        services.purchase_record(client=Client(pk=client_ids[7], name="x"), lines=lines, by=seller)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=seller, name='plans').key}")
    body = {"client": client_ids[11], "lines": [{"product": p.sku, "quantity": 1} for p in products[:2]]}
    with captured(connection) as api_sql:
        response = api.post("/api/v1/purchases/", body, format="json", HTTP_IDEMPOTENCY_KEY="plan-check-1")
        assert response.status_code == 201, response.content
    print(f"\nstatements: service {len(service_sql)}, API POST {len(api_sql)}")
    return check_statements(connection, service_sql, title="purchase_record (service)") + check_statements(
        connection, api_sql, title="POST /api/v1/purchases/ (with an Idempotency-Key)"
    )


def http_rate(seller, products, client_ids) -> tuple[float, int]:
    """Purchases/second from 4 concurrent keep-alive clients through gunicorn -w 2 (production profile)."""
    import http_bench

    from crm.auth_tokens import token_issue

    token = token_issue(user=seller, name="http").key
    with http_bench.serve(DB, port=8021):
        http_bench.post_purchases(token, client_ids, skus=(products[0].sku, products[1].sku), seconds=2, port=8021)
        return http_bench.post_purchases(
            token, client_ids, skus=(products[0].sku, products[1].sku), seconds=HTTP_SECONDS, port=8021
        )


def main():
    setup_database()
    import django

    django.setup()
    from django.core.management import call_command

    from purchases.models import Purchase

    seller, products, client_ids = base_data()
    append_ledger(1, SMALL, seller)
    small = time_recording(seller, products, client_ids)
    small_rate = api_rate(seller, products, client_ids, "small")
    small_http = http_rate(seller, products, client_ids) if HTTP else None

    next_id = Purchase.objects.order_by("-id").values_list("id", flat=True).first() + 1
    grown = N - Purchase.objects.count()
    t = time.time()
    grow_ledger(next_id, grown, seller)
    load_s = time.time() - t
    offences = check_plans(seller, products, client_ids)
    large = time_recording(seller, products, client_ids)
    large_rate = api_rate(seller, products, client_ids, "large")
    large_http = http_rate(seller, products, client_ids) if HTTP else None
    drift = "not checked (VERIFY=0)"
    if os.environ.get("VERIFY", "1") != "0":
        try:
            call_command("verify_ledger", stdout=io.StringIO())
            drift = "none"
        except Exception as exc:  # report it
            drift = str(exc)
    ledger_rows = Purchase.objects.count()
    print("\n| ledger rows | record median ms | record p95 ms | API in process /s | API HTTP 4 clients /s |")
    print("|---|---|---|---|---|")
    for rows, timing, rate, over_http in ((SMALL, small, small_rate, small_http), (N, large, large_rate, large_http)):
        http_text = f"{over_http[0]:.0f} ({over_http[1]} errors)" if over_http else "(HTTP=1)"
        print(f"| {rows:,} | {timing[0]:.2f} | {timing[1]:.2f} | {rate:.0f} | {http_text} |")
    print(f"ratio (median, large/small): {large[0] / small[0]:.2f}  (must stay <= 1.2)")
    if HTTP:
        print(f"HTTP ratio (small/large req/s): {small_http[0] / large_http[0]:.2f}  (must stay <= 1.2; >= 100/s)")
    print(f"loaded {grown:,} rows by INSERT ... SELECT in {load_s:.1f} s; ledger now {ledger_rows:,} rows")
    print(f"drift: {drift}")
    if offences:
        print("\nFAIL: sequential scans in the recording path:\n  " + "\n  ".join(offences))
        sys.exit(1)
    print("plans: no sequential scan of a large table in the recording path")


if __name__ == "__main__":
    main()

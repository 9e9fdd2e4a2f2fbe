"""Recording a purchase must not scan the ledger: the running total lives on ClientAccount (one locked row).

    .venv/bin/python bench/purchases_record.py                # SMALL=1000 and N=1000000 ledger rows
    SMALL=1000 N=20000 REPEAT=100 .venv/bin/python bench/purchases_record.py

Drops and recreates the PostgreSQL database bench_purchases (BENCH_DB), migrates, loads SMALL ledger rows
(purchases + one line each, by COPY), times REPEAT recordings through purchases.services.purchase_record
(median and p95), grows the ledger to N rows, times again and prints the ratio (must stay <= 1.2), then
posts API_N purchases through the API in process (DRF APIClient, token auth) and prints purchases/second."""

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
SMALL = int(os.environ.get("SMALL", "1000"))
N = int(os.environ.get("N", "1000000"))
REPEAT = int(os.environ.get("REPEAT", "200"))
API_N = int(os.environ.get("API_N", "300"))
WARMUP = 20
CLIENTS = int(os.environ.get("CLIENTS", "2000"))
DB = os.environ.get("BENCH_DB", "bench_purchases")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"


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
        services.tier_save(threshold=threshold, percent=percent)
    category = Category.objects.create(name="Paper", code="paper")
    products = [
        services.product_create(
            sku=f"B-{i:03d}", name=f"Product {i}", category=category, unit_price=Decimal(5 + i), unit_cost=Decimal(3)
        )
        for i in range(20)
    ]
    Client.objects.bulk_create([Client(name=f"Client {i}", status="active") for i in range(CLIENTS)], batch_size=5000)
    return seller, products, list(Client.objects.order_by("id").values_list("id", flat=True))


def copy_ledger(count, seller, products, client_ids, state):
    """Append `count` sales with one line each by COPY; keep each client's running total in `state`."""
    from django.db import connection

    from purchases.models import ClientAccount

    rng = random.Random(len(state["totals"]) + count)
    purchases, lines = io.StringIO(), io.StringIO()
    now = "2026-01-15 10:00:00+00"
    for _ in range(count):
        state["pid"] += 1
        client_id = rng.choice(client_ids)
        product = rng.choice(products)
        gross = product.unit_price * rng.randint(1, 5)
        before = state["totals"].get(client_id, Decimal("0"))
        after = before + gross
        state["totals"][client_id] = after
        purchases.write(
            f"{state['pid']}\t{client_id}\tsale\t{now}\t{seller.pk}\t{gross}\t0\t0\t{gross}\t{before}\t{after}"
            f"\t\t\t{now}\t{now}\n"
        )
        lines.write(f"{state['pid']}\t{product.pk}\t1\t{gross}\t{gross}\t0\t{gross}\t3\tt\t1\n")
    purchases.seek(0)
    lines.seek(0)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.copy_expert(
            "COPY purchases_purchase (id, client_id, kind, purchased_at, recorded_by_id, gross_total, "
            "discount_percent, discount_amount, net_total, cumulative_before, cumulative_after, "
            "discount_override_reason, note, created_at, updated_at) FROM STDIN",
            purchases,
        )
        raw.copy_expert(
            "COPY purchases_purchaseline (purchase_id, product_id, quantity, unit_price, gross_amount, "
            "discount_amount, net_amount, unit_cost, discount_eligible, incentive_weight) FROM STDIN",
            lines,
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('purchases_purchase', 'id'), "
            "(SELECT MAX(id) FROM purchases_purchase))"
        )
    ClientAccount.objects.all().delete()
    ClientAccount.objects.bulk_create(
        [ClientAccount(client_id=c, cumulative_total=t) for c, t in state["totals"].items()], batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def time_recording(seller, products, client_ids):
    from clients.models import Client
    from purchases import services

    rng = random.Random(3)
    timings = []
    for i in range(REPEAT + WARMUP):
        client = Client(pk=rng.choice(client_ids), name="x")
        lines = [{"product": p, "quantity": rng.randint(1, 4)} for p in rng.sample(products, 3)]
        t = time.perf_counter()
        services.purchase_record(client=client, lines=lines, by=seller)
        if i >= WARMUP:
            timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def api_rate(seller, products, client_ids):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=seller)[0].key}")
    rng = random.Random(5)
    t = time.perf_counter()
    for i in range(API_N):
        body = {
            "client": rng.choice(client_ids),
            "external_id": f"API-{i}",
            "lines": [{"product": p.sku, "quantity": rng.randint(1, 4)} for p in rng.sample(products, 2)],
        }
        response = api.post("/api/v1/purchases/", body, format="json")
        assert response.status_code == 201, response.content
    return API_N / (time.perf_counter() - t)


def main():
    setup_database()
    import django

    django.setup()
    from django.core.management import call_command

    seller, products, client_ids = base_data()
    state = {"pid": 0, "totals": {}}
    t = time.time()
    copy_ledger(SMALL, seller, products, client_ids, state)
    small = time_recording(seller, products, client_ids)
    state["pid"] += REPEAT
    from purchases.models import ClientAccount, Purchase

    state["totals"] = dict(ClientAccount.objects.values_list("client_id", "cumulative_total"))
    state["pid"] = Purchase.objects.order_by("-id").values_list("id", flat=True).first()
    grown = N - Purchase.objects.count()
    t = time.time()
    chunk = 200_000
    while grown > 0:
        copy_ledger(min(chunk, grown), seller, products, client_ids, state)
        grown -= chunk
    load_s = time.time() - t
    large = time_recording(seller, products, client_ids)
    rate = api_rate(seller, products, client_ids)
    drift = "none"
    try:
        call_command("verify_ledger", stdout=io.StringIO())
    except Exception as exc:  # report it
        drift = str(exc)
    ledger_rows = Purchase.objects.count()
    print("| ledger rows | record median ms | record p95 ms |\n|---|---|---|")
    print(f"| {SMALL:,} | {small[0]:.2f} | {small[1]:.2f} |")
    print(f"| {N:,} | {large[0]:.2f} | {large[1]:.2f} |")
    print(f"ratio (median, large/small): {large[0] / small[0]:.2f}  (must stay <= 1.2)")
    print(f"loaded {N - SMALL:,} rows by COPY in {load_s:.1f} s; ledger now {ledger_rows:,} rows; drift: {drift}")
    print(f"API: {rate:.0f} purchases/second recorded through POST /api/v1/purchases/ (in process, {API_N} posts)")


if __name__ == "__main__":
    main()

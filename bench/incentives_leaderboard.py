"""Leaderboard timing at scale, next to one hand-written SQL aggregate computing the same figures.

    .venv/bin/python bench/incentives_leaderboard.py            # N=1000000 purchase lines, 50 staff
    N=20000 .venv/bin/python bench/incentives_leaderboard.py

Drops and recreates the PostgreSQL database bench_incentives (BENCH_DB), migrates, creates STAFF sales
managers, CLIENTS clients, 100 products (10 locomotive, weight 3), then loads N purchase lines in purchases
of 4 lines spread over the last 365 days with set-based INSERT ... SELECT generate_series (1 purchase in 33
is a return of the one before, 1 in 50 has its credit split 60/40). Times incentives.selectors.leaderboard
(median of REPEAT runs, both credit settings, a month and a quarter) against the hand-written aggregate,
checks both give the same scores, and prints a markdown table (target: leaderboard within 1.5x).

REUSE=1 skips dropping and loading: it times again on the database a previous run left behind (its
purchases are dated relative to the day it was loaded)."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N = int(os.environ.get("N", "1000000"))
STAFF = int(os.environ.get("STAFF", "50"))
CLIENTS = int(os.environ.get("CLIENTS", "2000"))
DB = os.environ.get("BENCH_DB", "bench_incentives")
REPEAT = int(os.environ.get("REPEAT", "5"))
REUSE = os.environ.get("REUSE") == "1"

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

from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.utils import timezone  # noqa: E402

from clients.models import Client  # noqa: E402
from crm import services as crm_services  # noqa: E402
from crm.money import money  # noqa: E402
from crm.roles import Role  # noqa: E402
from incentives import periods, selectors, services  # noqa: E402
from incentives.models import IncentiveSettings  # noqa: E402
from purchases.models import Category, Product  # noqa: E402

LINES_PER_PURCHASE = 4


def load() -> list[int]:
    staff = [crm_services.user_create(username=f"staff{i:03d}", role=Role.SALES_MANAGER) for i in range(STAFF)]
    staff_ids = [u.pk for u in staff]
    Client.objects.bulk_create(
        Client(name=f"Client {i}", status=Client.Status.ACTIVE, manager_id=staff_ids[(i * 7) % STAFF])
        for i in range(CLIENTS)
    )
    category = Category.objects.create(name="Bench", code="bench")
    Product.objects.bulk_create(
        Product(
            sku=f"B{i:04d}",
            name=f"Product {i}",
            category=category,
            unit_price=Decimal("10"),
            unit_cost=Decimal("6"),
            incentive_weight=Decimal("3") if i < 10 else Decimal("1"),
            is_locomotive=i < 10,
        )
        for i in range(100)
    )
    client_ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
    product_ids = list(Product.objects.order_by("sku").values_list("pk", flat=True))
    purchases = max(1, N // LINES_PER_PURCHASE)
    with connection.cursor() as cur:
        # Sales spread evenly over the last 365 days; purchase g % 33 == 0 returns purchase g - 1 three days on.
        cur.execute(
            """
            INSERT INTO purchases_purchase (id, client_id, kind, original_id, external_id, purchased_at,
                recorded_by_id, gross_total, discount_percent, discount_amount, net_total, tier_id,
                cumulative_before, cumulative_after, discount_override_reason, note, created_at)
            SELECT g, (%(clients)s::int[])[1 + g %% cardinality(%(clients)s::int[])],
                   CASE WHEN g %% 33 = 0 THEN 'return' ELSE 'sale' END,
                   CASE WHEN g %% 33 = 0 THEN g - 1 END, NULL, at,
                   (%(staff)s::int[])[1 + (g * 13) %% cardinality(%(staff)s::int[])],
                   0, 0, 0, 0, NULL, 0, 0, '', '', at
            FROM (
                SELECT g, LEAST(now(), now() - interval '365 days'
                        + (g::float / %(p)s) * interval '365 days'
                        + CASE WHEN g %% 33 = 0 THEN interval '3 days' ELSE interval '0' END) AS at
                FROM generate_series(1, %(p)s) g
            ) s
            """,
            {"clients": client_ids, "staff": staff_ids, "p": purchases},
        )
        cur.execute(
            """
            INSERT INTO purchases_purchaseline (purchase_id, product_id, original_line_id, quantity, unit_price,
                gross_amount, discount_amount, net_amount, unit_cost, discount_eligible, incentive_weight)
            SELECT pid, (%(products)s::int[])[1 + l %% 100], NULL, q, 10, q * 10, 0, q * 10, 6, true,
                   CASE WHEN l %% 100 < 10 THEN 3 ELSE 1 END
            FROM (
                SELECT l, 1 + (l - 1) / %(per)s AS pid,
                       CASE WHEN (1 + (l - 1) / %(per)s) %% 33 = 0 THEN -1 ELSE 1 + l %% 9 END AS q
                FROM generate_series(1, %(n)s) l
            ) s
            """,
            {"products": product_ids, "per": LINES_PER_PURCHASE, "n": purchases * LINES_PER_PURCHASE},
        )
        cur.execute(
            """
            INSERT INTO incentives_creditsplit (purchase_id, user_id, share_percent, created_at)
            SELECT g, (%(staff)s::int[])[1 + (g * 13) %% cardinality(%(staff)s::int[])], 60, now()
            FROM generate_series(1, %(p)s) g WHERE g %% 50 = 7
            UNION ALL
            SELECT g, (%(staff)s::int[])[1 + (g * 13 + 1) %% cardinality(%(staff)s::int[])], 40, now()
            FROM generate_series(1, %(p)s) g WHERE g %% 50 = 7
            """,
            {"staff": staff_ids, "p": purchases},
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('purchases_purchase', 'id'), %s)", [purchases])
        cur.execute("ANALYZE")
    return staff_ids


HAND_WRITTEN = """
SELECT COALESCE(s.user_id, {default}) AS user_id,
       SUM(l.net_amount * l.incentive_weight * COALESCE(s.share_percent, 100)) / 100,
       SUM(CASE WHEN pr.is_locomotive THEN l.net_amount * l.incentive_weight * COALESCE(s.share_percent, 100)
           ELSE 0 END) / 100,
       SUM(l.net_amount * COALESCE(s.share_percent, 100)) / 100
FROM purchases_purchase p
LEFT JOIN purchases_purchase o ON o.id = p.original_id
{client_join}
LEFT JOIN incentives_creditsplit s ON s.purchase_id = COALESCE(p.original_id, p.id)
JOIN purchases_purchaseline l ON l.purchase_id = p.id
JOIN purchases_product pr ON pr.id = l.product_id
WHERE p.purchased_at >= %s AND p.purchased_at < %s
GROUP BY 1
"""


def hand_written(period, credit_to):
    if credit_to == IncentiveSettings.CreditTo.MANAGER:
        sql = HAND_WRITTEN.format(default="c.manager_id", client_join="JOIN clients_client c ON c.id = p.client_id")
    else:
        sql = HAND_WRITTEN.format(default="COALESCE(o.recorded_by_id, p.recorded_by_id)", client_join="")
    with connection.cursor() as cur:
        cur.execute(sql, [period.starts_at, period.ends_at])
        return {uid: money(score) for uid, score, _, _ in cur.fetchall()}


def timed(fn, *args):
    runs = []
    result = None
    for _ in range(REPEAT):
        reset_queries()
        start = time.perf_counter()
        result = fn(*args)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def main():
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    if not REUSE:
        load()
    load_s = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM purchases_purchaseline")
        (line_count,) = cur.fetchone()
    print(f"Loaded {line_count:,} purchase lines, {STAFF} staff in {load_s:.1f}s\n")
    print(
        "| period | credit to | lines in period | leaderboard (ms) | its aggregate alone (ms) "
        "| hand-written SQL (ms) | ratio | same scores |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for credit_to in (IncentiveSettings.CreditTo.RECORDER, IncentiveSettings.CreditTo.MANAGER):
        services.incentive_settings_update(credit_to=credit_to)
        for period in (periods.current(periods.MONTH), periods.current(periods.QUARTER)):
            board_s, board = timed(selectors.leaderboard, period)
            sql_s, figures = timed(hand_written, period, credit_to)
            agg_s, _ = timed(selectors.score_totals, period)
            ours = {row.user.pk: row.weighted_score for row in board.rows if row.weighted_score}
            same = ours == {k: v for k, v in figures.items() if v}
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM purchases_purchaseline l JOIN purchases_purchase p ON p.id = l.purchase_id"
                    " WHERE p.purchased_at >= %s AND p.purchased_at < %s",
                    [period.starts_at, period.ends_at],
                )
                (in_period,) = cur.fetchone()
            print(
                f"| {period} | {credit_to} | {in_period:,} | {board_s * 1000:.1f} | {agg_s * 1000:.1f} "
                f"| {sql_s * 1000:.1f} "
                f"| {board_s / sql_s:.2f}x | {'yes' if same else 'NO'} |"
            )
    rows = len(board.rows)
    print(f"\n(median of {REPEAT} runs; leaderboard = scores, staff, plans: {rows} rows; {timezone.now():%Y-%m-%d})")


if __name__ == "__main__":
    main()

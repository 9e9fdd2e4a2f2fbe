"""Complaints desk at scale: the board, the filtered list (HTML and API), the client card tab, the
compliance and systematization aggregates and one escalation sweep, over N complaints.

    .venv/bin/python bench/complaints_desk.py             # N=200000 complaints
    N=2000 REPEAT=10 .venv/bin/python bench/complaints_desk.py

Drops and recreates the PostgreSQL database bench_complaints (BENCH_DB), migrates, loads N/20 clients and
N complaints with bulk_create (spread over 400 days, all kinds, states and severities; ~5% open and overdue),
N/10 goodwill gestures and N/5 answered surveys, ANALYZEs, then times requests in process (Django test
client, full middleware stack) and the selectors. Prints a markdown table."""

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("N", "200000"))
REPEAT = int(os.environ.get("REPEAT", "20"))
DB = os.environ.get("BENCH_DB", "bench_complaints")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"


def setup_database():
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)


def load():
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from clients.models import Client
    from complaints.models import Complaint, ComplaintCategory, GoodwillGesture, SatisfactionSurvey
    from crm import services as crm_services
    from crm.roles import Role
    from crm.standards.models import BusinessCalendar

    call_command("migrate", verbosity=0)
    rng = random.Random(11)
    managers = [
        crm_services.user_create(username=f"m{i}", role=Role.SALES_MANAGER, password="bench-pass-123") for i in range(8)
    ]
    admin = crm_services.user_create(username="boss", role=Role.ADMINISTRATOR, password="bench-pass-123")
    BusinessCalendar.objects.create(working_weekdays=[1, 2, 3, 4, 5])
    categories = [ComplaintCategory.objects.create(name=f"Category {i}", code=f"cat-{i}") for i in range(12)]
    now = timezone.now()
    t0 = time.time()
    n_clients = max(10, N // 20)
    Client.objects.bulk_create(
        [
            Client(name=f"Client {i}", email=f"c{i}@bench.example", manager=managers[i % 8], status="active")
            for i in range(n_clients)
        ],
        batch_size=5000,
    )
    client_ids = list(Client.objects.values_list("id", flat=True))
    statuses = ["new", "triaged", "in_progress", "waiting_for_client", "resolved", "closed", "closed", "resolved"]
    kinds = ["complaint"] * 5 + ["claim", "objection", "suggestion", "praise"]
    batch = 5000
    for start in range(0, N, batch):
        rows = []
        for i in range(start, min(N, start + batch)):
            created = now - timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23))
            status = rng.choice(statuses)
            done = status in ("resolved", "closed")
            fr_due = created + timedelta(hours=rng.choice([4, 8, 24]))
            res_due = created + timedelta(hours=rng.choice([24, 48, 96]))
            responded = created + timedelta(hours=rng.randint(1, 30)) if status != "new" else None
            resolved = created + timedelta(hours=rng.randint(5, 120)) if done else None
            rows.append(
                Complaint(
                    reference=f"C-B-{i:07d}",
                    kind=rng.choice(kinds),
                    channel=rng.choice(["phone", "email", "web_form", "api"]),
                    client_id=rng.choice(client_ids),
                    category=rng.choice(categories),
                    severity=rng.choice(["low", "medium", "high", "critical"]),
                    priority=rng.randint(1, 4),
                    status=status,
                    assigned_to=managers[i % 8],
                    text="Bench complaint text",
                    first_response_due=fr_due,
                    resolution_due=res_due,
                    first_responded_at=responded,
                    resolved_at=resolved,
                    first_response_breached=bool(responded and responded > fr_due),
                    resolution_breached=bool(resolved and resolved > res_due),
                    root_cause=rng.choice(["delivery", "billing", "product_defect", "other"]) if done else "",
                    handling_cost=Decimal("25.00"),
                    created_at=created,
                )
            )
        Complaint.objects.bulk_create(rows, batch_size=batch)
    resolved_ids = list(Complaint.objects.filter(status__in=["resolved", "closed"]).values_list("id", "client_id"))
    GoodwillGesture.objects.bulk_create(
        [
            GoodwillGesture(complaint_id=cid, client_id=clid, kind="gift", cost=Decimal("10.00"), given_by=admin)
            for cid, clid in resolved_ids[: N // 10]
        ],
        batch_size=batch,
    )
    SatisfactionSurvey.objects.bulk_create(
        [
            SatisfactionSurvey(
                complaint_id=cid,
                token=f"t{cid}",
                sent_at=now,
                answered_at=now - timedelta(days=rng.randint(0, 90)),
                score=rng.randint(1, 5),
            )
            for cid, _ in resolved_ids[: N // 5]
        ],
        batch_size=batch,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return managers, admin, client_ids, time.time() - t0


def timed(fn, repeat=REPEAT):
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main():
    setup_database()
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client as HttpClient
    from rest_framework.test import APIClient

    from complaints import analytics, services

    settings.ALLOWED_HOSTS = ["*"]
    # Test settings run Celery eagerly, so every notification commit would deliver the whole outbox in
    # process; in production that is a worker's job. Measure the sweep itself.
    from crm.notifications import services as notification_services

    notification_services.relay_kick = lambda: None
    managers, admin, client_ids, load_s = load()
    web = HttpClient()
    web.force_login(managers[0])
    api = APIClient()
    api.force_authenticate(managers[0])

    def ok(response):
        assert response.status_code == 200, response.status_code
        return response

    cases = [
        ("board (HTML)", lambda: ok(web.get("/complaints/"))),
        ("list, filter high + breached (HTML)", lambda: ok(web.get("/complaints/list/?severity=high&breached=yes"))),
        ("list, my complaints (HTML)", lambda: ok(web.get(f"/complaints/list/?manager={managers[0].pk}"))),
        ("API list page 1", lambda: ok(api.get("/api/v1/complaints/"))),
        ("API list kind=claim", lambda: ok(api.get("/api/v1/complaints/?kind=claim"))),
        ("client card tab", lambda: ok(web.get(f"/complaints/client/{client_ids[0]}/tab/"))),
        ("compliance, quarter (selector)", lambda: analytics.compliance(period="quarter")),
        ("systematization, 12 months (selector)", lambda: analytics.systematization(months=12)),
    ]
    print(f"# Complaints desk, N={N} complaints, {len(client_ids)} clients (load {load_s:.1f}s)\n")
    print("| case | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for name, fn in cases:
        fn()  # warm
        p50, p95 = timed(fn)
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")
    t = time.perf_counter()
    escalated = services.escalate_breaches()
    print(f"| escalation sweep (first run, {escalated} breaches recorded) | {(time.perf_counter() - t) * 1000:.0f} | |")
    t = time.perf_counter()
    again = services.escalate_breaches()
    print(f"| escalation sweep (second run, {again} new) | {(time.perf_counter() - t) * 1000:.0f} | |")


if __name__ == "__main__":
    main()

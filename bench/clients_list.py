"""Client list at scale: p50/p95 of the HTML list page (plain and search as you type) and of the API list
and search, next to a bare DRF list of the same rows (the API should reach at least half its req/s).

    .venv/bin/python bench/clients_list.py              # N=100000 clients
    N=2000 REPEAT=20 .venv/bin/python bench/clients_list.py

Drops and recreates the PostgreSQL database bench_clients (BENCH_DB), migrates (pg_trgm indexes included),
loads N clients with bulk_create (70% companies with 1-2 contact persons, 1-3 consents each, 1 in 10
named "Nord ..."), ANALYZEs, then times requests in process (Django test client, full middleware stack).
Prints a markdown table and the query plan of the search."""

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("N", "100000"))
REPEAT = int(os.environ.get("REPEAT", "50"))
DB = os.environ.get("BENCH_DB", "bench_clients")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"  # DEBUG off, no throttling, JSON renderer


def setup_database():
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)


def load():
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from clients.models import ChannelConsent, Client, ContactPerson, Segment
    from crm import services as crm_services
    from crm.roles import Role

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    managers = [
        crm_services.user_create(username=f"m{i}", role=Role.SALES_MANAGER, password="bench-pass-123") for i in range(8)
    ]
    admin = crm_services.user_create(username="boss", role=Role.ADMINISTRATOR, password="bench-pass-123")
    segments = [Segment.objects.create(name=n, code=n.lower()) for n in ("Wholesale", "Print", "Retail", "Office")]
    w1 = ["Nord", "Sud", "Alpha", "Beta", "Gamma", "Delta", "Omega", "Prime", "Blue", "Green"]
    w2 = ["Paper", "Print", "Office", "Supply", "Copy", "Press", "Graphics", "Trading"]
    now = timezone.now()
    t0 = time.time()
    batch = 5000
    for start in range(0, N, batch):
        rows = []
        for i in range(start, min(N, start + batch)):
            rows.append(
                Client(
                    kind="company" if i % 10 < 7 else "person",
                    name=f"{w1[i % 10]} {rng.choice(w2)} {rng.choice(['Ltd', 'GmbH', 'Co'])} #{i}",
                    email=f"client{i}@example.com",
                    phone=f"+4474{i:08d}",
                    segment=segments[i % 4],
                    manager=managers[i % 8] if i % 9 else None,
                    status=["lead", "active", "dormant", "lost"][i % 4],
                    first_contact_at=now,
                    preferred_channels=["email", "sms"],
                    external_id=f"ERP-{i}",
                )
            )
        created = Client.objects.bulk_create(rows)
        consents, contacts = [], []
        for c in created:
            for ch in ("email", "sms")[: 1 + c.pk % 2]:
                consents.append(ChannelConsent(client=c, channel=ch, status="opt_in", given_at=now, source="bench"))
            if c.kind == "company":
                contacts.append(ContactPerson(client=c, name=f"Contact {c.pk}", email=f"contact{c.pk}@corp.example"))
        ChannelConsent.objects.bulk_create(consents)
        ContactPerson.objects.bulk_create(contacts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {N} clients in {time.time() - t0:.1f}s", file=sys.stderr)
    return managers[0], admin


def timed(fn, repeat=REPEAT) -> tuple[float, float]:
    fn()  # warm up
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
    from django.db import connection
    from django.test import Client as DjangoClient
    from rest_framework import generics, serializers
    from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

    from clients import selectors
    from clients.api import ClientListCreate
    from clients.models import Client
    from crm.auth_tokens import token_issue

    manager, admin = load()
    html = DjangoClient()
    html.force_login(manager)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=manager, name='bench').key}")

    class BareSerializer(serializers.ModelSerializer):
        class Meta:
            model = Client
            fields = ["id", "kind", "name", "email", "phone", "status", "external_id", "created_at", "updated_at"]

    class BareList(generics.ListAPIView):
        queryset = Client.objects.order_by("-id")
        serializer_class = BareSerializer
        filter_backends = []

    factory = APIRequestFactory()

    def view_call(view):
        def call():
            request = factory.get("/api/v1/clients/")
            force_authenticate(request, user=manager)
            response = view(request)
            response.render()
            assert response.status_code == 200

        return call

    def get(client, url, **extra):
        def call():
            response = client.get(url, **extra)
            assert response.status_code == 200, response.status_code

        return call

    cases = [
        ("html list page", get(html, "/clients/")),
        ("html search 'Nord' (full page)", get(html, "/clients/?q=Nord")),
        (
            "html search as you type 'nord pap' (htmx fragment)",
            get(html, "/clients/?q=nord+pap", HTTP_HX_REQUEST="true"),
        ),
        ("html search by phone '74000012'", get(html, "/clients/?q=74000012", HTTP_HX_REQUEST="true")),
        ("html filter manager+status", get(html, f"/clients/?manager={manager.pk}&status=active")),
        ("api list", get(api, "/api/v1/clients/")),
        ("api search 'Nord'", get(api, "/api/v1/clients/?search=Nord")),
        ("api search 'client123'", get(api, "/api/v1/clients/?search=client123")),
        ("api search one whole email", get(api, f"/api/v1/clients/?search=client{N // 2}@example.com")),
        ("api search one whole phone", get(api, f"/api/v1/clients/?search=%2B4474{N // 2:08d}")),
        ("api filter segment+status", get(api, "/api/v1/clients/?segment=retail&status=lost")),
        ("view only: clients API list", view_call(ClientListCreate.as_view())),
        ("view only: bare DRF list", view_call(BareList.as_view())),
    ]
    print(f"| clients list, N={N}, {REPEAT} runs | p50 ms | p95 ms |\n|---|---|---|")
    results = {}
    for label, fn in cases:
        p50, p95 = timed(fn)
        results[label] = p50
        print(f"| {label} | {p50:.1f} | {p95:.1f} |")
    ratio = results["view only: bare DRF list"] / results["view only: clients API list"]
    print(f"\nclients API list reaches {ratio:.0%} of the bare DRF list's req/s (target >= 50%).")
    for term in ("Nord", f"client{N // 2}@example.com"):
        qs = selectors.client_list(search=term)[:51]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
            print(f"\nplan of the {term!r} search:\n" + "\n".join(r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main()

"""HTTP benchmark of the CRM next to ../shared/floor-bench, with the same server settings:
gunicorn -w 2, DEBUG off, PostgreSQL, wrk -t2 -c4 for DUR per operation.

    .venv/bin/python bench/http_bench.py            # N=100000 clients, DUR=10s
    N=5000 DUR=3s .venv/bin/python bench/http_bench.py

Creates (and drops first) the database bench_http, migrates, loads N clients named like the floor's
("<Word> <Word> <Suffix> #i", 1 in 10 contains "Nord"), a catalogue, then measures:
API client list / search / detail, the HTML client list page search, and purchases recorded per second
through the API (4 concurrent keep-alive clients). Prints a markdown table."""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("N", "100000"))
DUR = os.environ.get("DUR", "10s")
DB = os.environ.get("BENCH_DB", "bench_http")
PORT = int(os.environ.get("PORT", "8020"))
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_SETTINGS_MODULE": "crm.settings",
    "DJANGO_ENV": "production",
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "filesystem://"),
    "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "API_THROTTLE_USER": "1000000/min",
    "LOG_LEVEL": "WARNING",
    # as deployed (docker-compose.yml): a shared Redis cache for sessions and rate limits
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
}
PY = sys.executable


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, env=ENV, **kw)


def setup_database():
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    sh(PY, "manage.py", "migrate", "-v0")
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v0")  # the production profile serves hashed names
    loader = f"""
import django, os
django.setup()
from decimal import Decimal
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from crm.auth_tokens import token_issue
from crm import services as crm_services
from clients.models import Client, Segment
from purchases.models import Category, Product
N = {N}
user = crm_services.user_create(username="bench", role="Sales manager", password="bench-pass-123")
managers = [user] + [crm_services.user_create(username=f"m{{i}}", role="Sales manager") for i in range(4)]
segs = [Segment.objects.create(name=n, code=n.lower().replace(" ", "-")) for n in ("Wholesale", "Print shop", "Retail")]
w1 = ["Nord", "Sud", "Alpha", "Beta", "Gamma", "Delta", "Omega", "Prime", "Blue", "Green"]
w2 = ["Print", "Office", "Paper", "Trade", "Supply", "Logistic", "Market", "Service"]
sx = ["Ltd", "LLC", "GmbH", "Inc"]
batch = []
for i in range(N):
    batch.append(Client(name=f"{{w1[i % 10]}} {{w2[(i // 10) % 8]}} {{sx[i % 4]}} #{{i}}", email=f"c{{i}}@example.com",
                        phone=f"+1212555{{i:05d}}"[-12:], segment=segs[i % 3], manager=managers[i % 5],
                        status="active", preferred_channels=["email"]))
    if len(batch) == 5000:
        Client.objects.bulk_create(batch); batch = []
Client.objects.bulk_create(batch)
cat = Category.objects.create(name="Paper", code="paper")
for i in range(50):
    Product.objects.create(sku=f"P{{i:03d}}", name=f"Product {{i}}", category=cat, unit_price=Decimal("12.50"),
                           unit_cost=Decimal("7.10"))
token = token_issue(user=user, name='bench').key
s = SessionStore()
s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "crm.auth_backends.RoleAwareModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
print("TOKEN", token); print("SESSION", s.session_key)
print("CLIENT", Client.objects.order_by("-id").values_list("id", flat=True).first())
"""
    out = subprocess.run([PY, "-c", loader], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True).stdout
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DB, "-qc", "VACUUM ANALYZE"], check=True)
    return dict(line.split(" ", 1) for line in out.strip().splitlines() if " " in line)


def warm(path: str, header: str, times: int = 20):
    """Both gunicorn workers load their code and open their connections on first use: not what is measured."""
    name, value = header.split(": ", 1)
    for _ in range(times):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        conn.request("GET", path, headers={name: value})
        conn.getresponse().read()
        conn.close()


def wrk(path: str, header: str):
    warm(path, header)
    out = subprocess.run(
        ["wrk", "-t2", "-c4", f"-d{DUR}", "--latency", "-H", header, f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, (non2xx.group(1) if non2xx else "0")


def post_purchases(token: str, client_id: int, seconds: float = 10.0, threads: int = 4):
    count = [0]
    errors = [0]
    lock = threading.Lock()
    deadline = time.time() + seconds
    body = json.dumps(
        {"client": client_id, "lines": [{"product": "P001", "quantity": "2"}, {"product": "P002", "quantity": "1"}]}
    )

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        while time.time() < deadline:
            conn.request(
                "POST",
                "/api/v1/purchases/",
                body=body,
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            resp.read()
            with lock:
                if resp.status == 201:
                    count[0] += 1
                else:
                    errors[0] += 1

    started = time.time()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return count[0] / (time.time() - started), errors[0]


def main():
    t0 = time.time()
    info = setup_database()
    print(f"loaded {N} clients in {time.time() - t0:.1f}s", file=sys.stderr)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "crm.wsgi:application",
            "--error-logfile",
            "/tmp/bench_http_gunicorn.log",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        for _ in range(60):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status in (200, 503):
                    break
            except OSError:
                time.sleep(0.5)
        token_h = f"Authorization: Token {info['TOKEN']}"
        cookie_h = f"Cookie: sessionid={info['SESSION']}"
        print(f"| op (CRM, {N} clients) | req/s | p50 | p99 | non-2xx |\n|---|---|---|---|---|")
        for name, path, header in [
            ("api list", "/api/v1/clients/", token_h),
            ("api search", "/api/v1/clients/?search=Nord", token_h),
            ("api detail", f"/api/v1/clients/{info['CLIENT']}/", token_h),
            ("html list", "/clients/", cookie_h),
            ("html list search", "/clients/?q=Nord", cookie_h),
        ]:
            print(f"| {name} | " + " | ".join(wrk(path, header)) + " |", flush=True)
        rate, errors = post_purchases(info["TOKEN"], int(info["CLIENT"]))
        print(f"| api record purchase (4 clients) | {rate:.1f} | | | {errors} |")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()

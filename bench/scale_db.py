"""Builds a PostgreSQL database of N clients for the benches, set-based (INSERT ... SELECT generate_series in
the database, no ORM loop): 1,000,000 clients load in a few minutes on a 2-core machine.

    .venv/bin/python bench/scale_db.py crm_bench100k 100000
    .venv/bin/python bench/scale_db.py crm_bench1m 1000000
    KEEP=1 .venv/bin/python bench/scale_db.py crm_bench1m 1000000   # reuse it if it has N clients already

Drops and recreates the database, migrates, then loads clients shaped like the floor's
("<Word> <Word> <Suffix> #i", 1 in 10 contains "Nord", email c<i>@example.com, phone +4474<i:08>),
7 in 10 companies with one contact person, 1-2 channel consents each, five sales managers, a catalogue of
50 products, one API token and one logged-in session for the user `bench`. The secondary indexes of the
loaded tables are dropped during the load and rebuilt after (as pg_restore does), then VACUUM ANALYZE.
Prints TOKEN, SESSION, CLIENT (the newest client's id), EMAIL and PHONE (of a client in the middle) for the
HTTP bench (bench/http_bench.py), which reads them with `info()` below."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt"]
TABLES = ("clients_client", "clients_contactperson", "clients_channelconsent")
W1 = ["Nord", "Sud", "Alpha", "Beta", "Gamma", "Delta", "Omega", "Prime", "Blue", "Green"]
W2 = ["Print", "Office", "Paper", "Trade", "Supply", "Logistic", "Market", "Service"]
SX = ["Ltd", "LLC", "GmbH", "Inc"]


def psql(db: str, sql: str) -> str:
    return subprocess.run([*PSQL, "-d", db, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def client_count(db: str) -> int:
    try:
        return int(psql(db, "SELECT count(*) FROM clients_client"))
    except subprocess.CalledProcessError:
        return -1


def sample_email(n: int) -> str:
    return f"c{n // 2}@example.com"


def sample_phone(n: int) -> str:
    return f"+4474{n // 2:08d}"


def load_sql(n: int, segs: list[int], managers: list[int]) -> str:
    arr = lambda xs: "ARRAY[" + ",".join(f"'{x}'" for x in xs) + "]"  # noqa: E731
    seg_arr = "ARRAY[" + ",".join(map(str, segs)) + "]"
    man_arr = "ARRAY[" + ",".join(map(str, managers)) + "]"
    return f"""
    SET maintenance_work_mem = '256MB';
    INSERT INTO clients_client (id, kind, name, email, phone, address, status, first_contact_at,
        first_contact_channel, first_contact_request, interests, preferred_channels, external_id, created_at,
        updated_at, segment_id, manager_id, language)
    SELECT i, CASE WHEN i % 10 < 7 THEN 'company' ELSE 'person' END,
           ({arr(W1)})[i % 10 + 1] || ' ' || ({arr(W2)})[(i / 10) % 8 + 1] || ' ' || ({arr(SX)})[i % 4 + 1]
             || ' #' || i,
           'c' || i || '@example.com', '+4474' || lpad(i::text, 8, '0'), '',
           (ARRAY['lead','active','dormant','lost'])[i % 4 + 1], now() - (i || ' seconds')::interval,
           '', '', '[]'::jsonb, '["email"]'::jsonb, 'ERP-' || i,
           now() - (({n} - i) || ' seconds')::interval, now() - (({n} - i) || ' seconds')::interval,
           ({seg_arr})[i % {len(segs)} + 1], ({man_arr})[i % {len(managers)} + 1], 'en'
    FROM generate_series(1, {n}) i;
    INSERT INTO clients_contactperson (client_id, name, role, email, phone, is_primary)
    SELECT i, 'Contact ' || i, '', 'contact' || i || '@corp.example', '', true
    FROM generate_series(1, {n}) i WHERE i % 10 < 7;
    INSERT INTO clients_channelconsent (client_id, channel, purpose, status, given_at, source)
    SELECT i, ch, 'marketing', 'opt_in', now(), 'bench'
    FROM generate_series(1, {n}) i CROSS JOIN (VALUES ('email'), ('sms')) AS c(ch)
    WHERE ch = 'email' OR i % 2 = 1;
    SELECT setval(pg_get_serial_sequence('clients_client', 'id'), {n});
    """


def build(db: str, n: int) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    t0 = time.time()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = """
import django
django.setup()
from decimal import Decimal
from clients.models import Segment
from crm import services as crm_services
from crm.roles import Role
from purchases.models import Category, Product
user = crm_services.user_create(username="bench", role=Role.SALES_MANAGER, password="bench-pass-123")
managers = [user] + [crm_services.user_create(username=f"m{i}", role=Role.SALES_MANAGER) for i in range(4)]
segs = [Segment.objects.create(name=n, code=n.lower().replace(" ", "-")) for n in ("Wholesale", "Print shop", "Retail")]
cat = Category.objects.create(name="Paper", code="paper")
for i in range(50):
    Product.objects.create(sku=f"P{i:03d}", name=f"Product {i}", category=cat, unit_price=Decimal("12.50"),
                           unit_cost=Decimal("7.10"))
print(",".join(str(s.pk) for s in segs)); print(",".join(str(m.pk) for m in managers))
"""
    out = subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    segs, managers = ([int(x) for x in line.split(",")] for line in out.stdout.split())
    t1 = time.time()
    # Secondary indexes (not the primary keys or unique constraints) are rebuilt once after the load.
    table_list = ",".join(f"'{t}'" for t in TABLES)
    defs = psql(
        db,
        f"""SELECT i.indexname || E'\\t' || i.indexdef FROM pg_indexes i
            WHERE i.tablename IN ({table_list}) AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
    ).splitlines()
    for line in defs:
        psql(db, f'DROP INDEX "{line.split(chr(9))[0]}"')
    psql(db, load_sql(n, segs, managers))
    t2 = time.time()
    for line in defs:
        psql(db, "SET maintenance_work_mem = '256MB'; " + line.split("\t", 1)[1])
    subprocess.run([*PSQL, "-d", db, "-c", "VACUUM ANALYZE"], check=True)
    print(
        f"{db}: {n:,} clients; migrate {t1 - t0:.0f}s, rows {t2 - t1:.0f}s, {len(defs)} indexes + analyze "
        f"{time.time() - t2:.0f}s",
        file=sys.stderr,
    )


def info(db: str, env: dict | None = None) -> dict:
    """A fresh token and session for `bench` (tokens may be stored hashed: a new one each run), the newest
    client's id, and the whole email and phone of the client in the middle. The session is signed with the
    secret key of `env`'s settings (the server's: bench/http_bench.py passes its own), test settings if None."""
    if env is None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test"}
    env = {**env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}
    code = """
import django
django.setup()
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from crm.auth_tokens import token_issue
from clients.models import Client
user = get_user_model().objects.get(username="bench")
s = SessionStore()
s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "crm.auth_backends.RoleAwareModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
print("TOKEN", token_issue(user=user, name="bench").key); print("SESSION", s.session_key)
print("CLIENT", Client.objects.order_by("-id").values_list("id", flat=True).first())
print("N", Client.objects.count())
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = dict(line.split(" ", 1) for line in out.stdout.strip().splitlines() if " " in line)
    n = int(result["N"])
    result["EMAIL"], result["PHONE"] = sample_email(n), sample_phone(n)
    return result


def ensure(db: str, n: int) -> None:
    """Builds the database unless KEEP=1 finds n clients in it; a kept one is migrated to the code's schema."""
    if os.environ.get("KEEP") and client_count(db) == n:
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}
        env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        return
    build(db, n)


if __name__ == "__main__":
    db, n = sys.argv[1], int(sys.argv[2])
    ensure(db, n)
    print(info(db))

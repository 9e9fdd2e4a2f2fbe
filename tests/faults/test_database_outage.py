"""Fault: PostgreSQL goes away for a while under a running web server (gunicorn, one sync worker, persistent
connections with health checks, as deployed), reached through a proxy we can cut.

While it is gone, /healthz answers 503 and so does every other request (API and pages): a 503 with
Retry-After that tells clients and load balancers to come back, never a 500. A database that vanishes in the
middle of a purchase or an invoice issue leaves nothing half written: PostgreSQL rolls back a transaction
whose connection dropped, so the purchase has no row without its lines and account total, and an invoice
number is not used up. When the database is back the same server answers again, without a restart."""

import json
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient

from crm.auth_tokens import token_issue
from crm.roles import Role
from purchases.models import ClientAccount, Invoice, InvoiceCounter, Purchase, PurchaseLine
from tests.conftest import make_user
from tests.factories import ClientFactory, ProductFactory
from tests.faults import harness
from tests.faults.conftest import needs_postgres
from tests.purchases.factories import demo_tiers

pytestmark = [pytest.mark.postgres, needs_postgres, pytest.mark.django_db(transaction=True)]


class Web:
    """Requests to the server under test, each with a hard timeout."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, *, token: str = "", session: str = "", body: dict | None = None):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if session:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
            headers["Accept"] = "text/html"
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        req = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=15) as response:  # noqa: S310 - our own loopback server
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def answers(self, server: harness.Process) -> bool:
        server.assert_running()
        try:
            self.request("GET", "/healthz")
        except OSError:
            return False
        return True


def _web_server(tmp_path, proxy_port: int) -> harness.Process:
    port = harness.free_port()
    env = harness.worker_env(
        DATABASE_URL=harness.database_url(port=proxy_port),
        # The test profile: DEBUG off (errors answer through the error handlers, not the debug page), and
        # tasks (the outbox relay after a purchase) run in the web process, so nothing here needs a worker.
        DJANGO_SETTINGS_MODULE="crm.settings.test",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        CACHE_URL="locmemcache://faults",
        CELERY_BROKER_URL="filesystem://",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        REDIS_URL="",
        NOTIFICATIONS_SMS_FILE_DIR=str(tmp_path / "sms"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_TIMEOUT="60",
    )
    args = [
        harness.PYTHON, "-m", "gunicorn", "-c", "crm/deploy/gunicorn.conf.py", "--no-control-socket",
        "crm.wsgi:application",
    ]  # fmt: skip
    process = harness.Process(args, env=env, log_path=tmp_path / "gunicorn.log")
    process.port = port
    return process


def _ledger() -> dict:
    return {
        "purchases": Purchase.objects.count(),
        "lines": PurchaseLine.objects.count(),
        "accounts": {a.client_id: a.cumulative_total for a in ClientAccount.objects.all()},
        "counters": {c.year: c.last_number for c in InvoiceCounter.objects.all()},
        "invoices": {i.pk: (i.status, i.number) for i in Invoice.objects.all()},
    }


def test_a_database_outage_answers_503_writes_nothing_half_and_heals_without_a_restart(
    tmp_path, database_proxy, processes
):
    demo_tiers()
    seller = make_user("seller", Role.SALES_MANAGER, email="seller@example.com")
    accountant = make_user("accountant", Role.ACCOUNTANT, email="accountant@example.com")
    seller_token = token_issue(user=seller).key
    accountant_token = token_issue(user=accountant).key
    customer = ClientFactory(manager=seller)
    product = ProductFactory(unit_price="100.00", unit_cost="60.00")
    page_session = DjangoClient()
    page_session.force_login(seller)
    session = page_session.cookies[settings.SESSION_COOKIE_NAME].value
    sale = {"client": customer.pk, "lines": [{"product": product.sku, "quantity": "2"}]}

    server = processes(_web_server(tmp_path, database_proxy.port))
    web = Web(server.port)
    harness.wait_for(lambda: web.answers(server), timeout=45, what="gunicorn to answer", every=0.2, detail=server.log)

    # Up: a purchase and an invoice request go through the proxy; the server keeps its connection open.
    status, _, body = web.request("GET", "/healthz")
    assert status == 200, body
    status, _, body = web.request("POST", "/api/v1/purchases/", token=seller_token, body=sale)
    assert status == 201, body
    status, _, body = web.request(
        "POST",
        "/api/v1/invoices/",
        token=seller_token,
        body={"client": customer.pk, "purchases": [json.loads(body)["id"]]},
    )
    assert status == 201, body
    invoice_id = json.loads(body)["id"]
    assert web.request("GET", "/clients/", session=session)[0] == 200
    before = _ledger()
    assert before["purchases"] == 1 and before["accounts"][customer.pk] == Decimal("200.00")
    assert before["invoices"] == {invoice_id: (Invoice.Status.REQUESTED, None)}

    # A blip: every connection drops and the database is back before the next request. The server's persistent
    # connection is dead; the health check on its first use notices and reconnects, so no request fails.
    database_proxy.cut()
    database_proxy.restore()
    assert web.request("GET", "/api/v1/clients/", token=seller_token)[0] == 200, server.log()

    # Down: every request answers 503 with Retry-After, quickly, and writes nothing.
    database_proxy.cut()
    status, _, body = web.request("GET", "/healthz")
    assert status == 503 and json.loads(body)["database"].startswith("down"), body
    for method, path, auth, payload in (
        ("GET", "/api/v1/clients/", {"token": seller_token}, None),
        ("POST", "/api/v1/purchases/", {"token": seller_token}, sale),
        ("GET", "/clients/", {"session": session}, None),
    ):
        status, headers, body = web.request(method, path, body=payload, **auth)
        assert status == 503, (method, path, status, body[:300], server.log())
        assert int(headers["Retry-After"]) > 0
    assert _ledger() == before

    # The database goes away in the middle of a purchase: after the purchase row, before its lines.
    database_proxy.restore()
    database_proxy.cut_on(b'INSERT INTO "purchases_purchaseline"')
    status, _, body = web.request("POST", "/api/v1/purchases/", token=seller_token, body=sale)
    assert database_proxy.tripped.wait(timeout=5)
    assert status == 503, (status, body[:300], server.log())
    # ... and in the middle of issuing the invoice: after its number was counted, before the invoice got it.
    database_proxy.restore()
    database_proxy.cut_on(b'UPDATE "purchases_invoice" SET')
    status, _, body = web.request("POST", f"/api/v1/invoices/{invoice_id}/issue/", token=accountant_token)
    assert database_proxy.tripped.wait(timeout=5)
    assert status == 503, (status, body[:300], server.log())
    # PostgreSQL rolled both transactions back (the test reads the database directly, not through the proxy).
    harness.wait_for(lambda: _no_open_transactions(), timeout=10, what="the cut sessions to end")
    assert _ledger() == before

    # Back: the same server process answers again, and the writes go through once each.
    database_proxy.restore()
    status, _, body = web.request("GET", "/healthz")
    assert status == 200, (body, server.log())
    assert web.request("GET", "/api/v1/clients/", token=seller_token)[0] == 200
    assert web.request("GET", "/clients/", session=session)[0] == 200
    status, _, body = web.request("POST", "/api/v1/purchases/", token=seller_token, body=sale)
    assert status == 201, body
    status, _, body = web.request("POST", f"/api/v1/invoices/{invoice_id}/issue/", token=accountant_token)
    assert status == 200, body
    assert json.loads(body)["number"].endswith("-000001")  # the number the cut issue counted was not lost
    after = _ledger()
    assert after["purchases"] == 2 and after["lines"] == before["lines"] + 1
    assert after["accounts"][customer.pk] == Decimal("400.00")
    assert list(after["counters"].values()) == [1]
    assert server.running, "the server was not restarted"


def _no_open_transactions() -> bool:
    """No session of the test database is still inside a transaction (the server side of a cut connection
    ends when PostgreSQL notices the client is gone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0] == 0

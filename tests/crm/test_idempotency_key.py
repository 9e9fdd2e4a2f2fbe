"""Every API POST accepts an Idempotency-Key: a retry answers the first response and does the work once."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Complaint
from crm.api.idempotency import purge_expired
from crm.auth_tokens import token_issue
from crm.models import IdempotencyRecord
from purchases.models import Purchase
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.conftest import demo_tiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(sales_manager):
    demo_tiers()
    client = ClientFactory(manager=sales_manager)
    product = ProductFactory(unit_price="100.00", unit_cost="60.00")
    return {"client": client.pk, "lines": [{"product": product.sku, "quantity": "2"}]}


def _post(api, url, body, key):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_replayed_purchase_is_recorded_once_and_answers_the_first_response(sm_api, sale):
    first = _post(sm_api, "/api/v1/purchases/", sale, "k-1")
    again = _post(sm_api, "/api/v1/purchases/", sale, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Purchase.objects.count() == 1
    # a new key is a new purchase
    assert _post(sm_api, "/api/v1/purchases/", sale, "k-2").status_code == 201
    assert Purchase.objects.count() == 2


def test_same_key_with_another_body_is_a_422(sm_api, sale):
    assert _post(sm_api, "/api/v1/purchases/", sale, "k-1").status_code == 201
    changed = {**sale, "lines": [{**sale["lines"][0], "quantity": "3"}]}
    response = _post(sm_api, "/api/v1/purchases/", changed, "k-1")
    assert response.status_code == 422
    assert "k-1" in response.json()["detail"] and response.json()["code"] == "idempotency_key_reused"
    assert Purchase.objects.count() == 1


def test_keys_belong_to_their_user(sm_api, admin_api, sale):
    assert _post(sm_api, "/api/v1/purchases/", sale, "shared").status_code == 201
    assert _post(admin_api, "/api/v1/purchases/", sale, "shared").status_code == 201
    assert Purchase.objects.count() == 2


def test_a_refused_request_is_answered_the_same_on_replay(sm_api, sale):
    bad = {**sale, "lines": [{**sale["lines"][0], "quantity": "-1"}]}
    first = _post(sm_api, "/api/v1/purchases/", bad, "k-bad")
    again = _post(sm_api, "/api/v1/purchases/", bad, "k-bad")
    assert first.status_code == again.status_code == 400 and first.json() == again.json()


def test_a_server_error_is_not_stored_and_the_retry_does_the_work(sm_api, sale, monkeypatch):
    from purchases.api import ledger as ledger_api

    real = ledger_api.services.purchase_record
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            real(**kwargs)  # the work happens, then the request dies: all of it must roll back
            raise RuntimeError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(ledger_api.services, "purchase_record", flaky)
    sm_api.raise_request_exception = False
    failed = _post(sm_api, "/api/v1/purchases/", sale, "k-5xx")
    assert failed.status_code == 500
    assert Purchase.objects.count() == 0 and not IdempotencyRecord.objects.exists()
    retried = _post(sm_api, "/api/v1/purchases/", sale, "k-5xx")
    assert retried.status_code == 201 and Purchase.objects.count() == 1


def test_other_posts_are_covered_too(sm_api, sales_manager):
    client = ClientFactory(manager=sales_manager)
    body = {"client": client.pk, "text": "Toner leaked", "severity": "high"}
    first = _post(sm_api, "/api/v1/complaints/", body, "c-1")
    again = _post(sm_api, "/api/v1/complaints/", body, "c-1")
    assert first.status_code == 201 and again.json() == first.json()
    assert Complaint.objects.count() == 1


def test_a_bad_key_is_refused(sm_api, sale):
    response = _post(sm_api, "/api/v1/purchases/", sale, "x" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Purchase.objects.exists()


def test_an_unauthenticated_post_is_left_to_the_view(api_client, sale):
    response = api_client.post("/api/v1/purchases/", sale, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 401 and not IdempotencyRecord.objects.exists()


def test_answers_expire(sm_api, sale, settings):
    assert _post(sm_api, "/api/v1/purchases/", sale, "old").status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))
    assert _post(sm_api, "/api/v1/purchases/", sale, "old").status_code == 201
    assert Purchase.objects.count() == 2
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))
    assert purge_expired() == 1 and not IdempotencyRecord.objects.exists()


def test_every_post_in_the_schema_documents_the_header(admin_api):
    schema = admin_api.get("/api/schema/", {"format": "json"}).json()
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert posts
    for path, operation in posts:
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert "422" in operation["responses"], path


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "crm.pg", reason="PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_do_the_work_once(sales_manager):
    demo_tiers()
    client = ClientFactory(manager=sales_manager)
    product = ProductFactory(unit_price="100.00", unit_cost="60.00")
    body = {"client": client.pk, "lines": [{"product": product.sku, "quantity": "1"}]}
    answers, start = [], threading.Barrier(6)
    # one token per thread (a token issued under the same device name replaces the one before)
    keys = [token_issue(user=sales_manager, name=f"thread {n}").key for n in range(6)]

    def send(key):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        start.wait()
        try:
            answers.append(_post(api, "/api/v1/purchases/", body, "same-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [201] * 6
    assert len({a.content for a in answers}) == 1
    assert Purchase.objects.count() == 1

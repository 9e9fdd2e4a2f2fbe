"""The service record API: a client's record, failures across clients, resolve; the key-client rule and flags.
Denials per role, bad input, paging and query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.standards import failures
from crm.standards.models import KeyClientFlag, KeyClientRule, ServiceFailure
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes
from tests.standards import factories as f

pytestmark = pytest.mark.django_db


def results(response) -> int:
    return len(response.json()["results"])


def failing_client(manager, n: int = 1):
    client = ClientFactory(manager=manager)
    for _ in range(n):
        f.overdue_promise(client, manager)
    failures.failures_detect()
    return client


def test_client_service_record_lists_failures_to_its_manager_accountant_and_admin_only(
    sm_api, acc_api, admin_api, api_client_for, sales_manager, other_sales_manager
):
    client = failing_client(sales_manager, 2)
    url = f"/api/v1/clients/{client.pk}/service-record/"
    response = sm_api.get(url)
    assert response.status_code == 200 and results(response) == 2
    row = response.json()["results"][0]
    assert row["kind"] == "promise" and row["is_open"] is True and row["client"] == client.pk
    assert row["kind_label"] == "Promise broken or overdue" and row["manager"] == sales_manager.pk
    assert acc_api.get(url).status_code == 200
    assert admin_api.get(url).status_code == 200
    assert api_client_for(other_sales_manager).get(url).status_code == 403
    assert sm_api.get("/api/v1/clients/999999/service-record/").status_code == 404


def test_failure_list_by_manager_status_and_updated_since(sm_api, admin_api, sales_manager, other_sales_manager):
    mine = failing_client(sales_manager, 2)
    theirs = failing_client(other_sales_manager, 1)
    assert {r["client"] for r in sm_api.get("/api/v1/service-failures/").json()["results"]} == {mine.pk}
    everyone = admin_api.get("/api/v1/service-failures/").json()["results"]
    assert {r["client"] for r in everyone} == {mine.pk, theirs.pk}
    by_manager = admin_api.get(f"/api/v1/service-failures/?manager={other_sales_manager.pk}").json()["results"]
    assert [r["client"] for r in by_manager] == [theirs.pk]
    failure = ServiceFailure.objects.filter(client=mine).first()
    failures.failure_resolve(failure=failure, by=sales_manager, note="Done")
    assert results(admin_api.get("/api/v1/service-failures/?status=open")) == 2
    assert [r["id"] for r in admin_api.get("/api/v1/service-failures/?status=resolved").json()["results"]] == [
        failure.pk
    ]
    ServiceFailure.objects.exclude(pk=failure.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    changed = admin_api.get("/api/v1/service-failures/", {"updated_since": since}).json()["results"]
    assert [r["id"] for r in changed] == [failure.pk]
    assert admin_api.get("/api/v1/service-failures/?status=maybe").status_code == 400
    assert admin_api.get("/api/v1/service-failures/?manager=abc").status_code == 400


def test_failure_list_pages_by_cursor(admin_api, sales_manager):
    failing_client(sales_manager, 3)
    first = admin_api.get("/api/v1/service-failures/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = admin_api.get(first["next"]).json()
    assert len(second["results"]) == 1


def test_failure_list_costs_the_same_queries_for_2_and_20_failures(admin_api, sales_manager):
    def add(n):
        for _ in range(n):
            f.overdue_promise(ClientFactory(manager=sales_manager), sales_manager)
        failures.failures_detect()

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/service-failures/?page_size=50"),
        add_rows=add,
        rows=results,
        queries=2,  # token with user and roles; failures with client and manager
    )


def test_resolve_through_the_api(sm_api, acc_api, api_client_for, sales_manager, other_sales_manager):
    client = failing_client(sales_manager)
    failure = ServiceFailure.objects.get(client=client)
    url = f"/api/v1/service-failures/{failure.pk}/resolve/"
    assert acc_api.post(url, {"note": "x"}, format="json").status_code == 403
    assert api_client_for(other_sales_manager).post(url, {"note": "x"}, format="json").status_code == 403
    bad = sm_api.post(url, {"note": ""}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()
    blank = sm_api.post(url, {"note": "   "}, format="json")
    assert blank.status_code == 400
    assert ServiceFailure.objects.get(pk=failure.pk).resolved_at is None
    done = sm_api.post(url, {"note": "Called and apologised"}, format="json")
    assert done.status_code == 200 and done.json()["is_open"] is False
    assert done.json()["resolved_by"] == sales_manager.pk
    again = sm_api.post(url, {"note": "Again"}, format="json")
    assert again.status_code == 400


def test_key_client_rule_api_for_administrators_only(admin_api, sm_api, acc_api, administrator):
    assert sm_api.get("/api/v1/key-client-rule/").status_code == 403
    assert acc_api.put("/api/v1/key-client-rule/", {}, format="json").status_code == 403
    got = admin_api.get("/api/v1/key-client-rule/")
    assert got.status_code == 200 and got.json()["basis"] == "flag"
    body = {"basis": "top_percent", "min_tier_percent": "10", "top_n": 20, "top_percent": "0"}
    bad = admin_api.put("/api/v1/key-client-rule/", body, format="json")
    assert bad.status_code == 400 and "top_percent" in bad.json()
    assert KeyClientRule.objects.get(pk=1).basis == "flag"
    body["top_percent"] = "15"
    ok = admin_api.put("/api/v1/key-client-rule/", body, format="json")
    assert ok.status_code == 200 and ok.json()["basis"] == "top_percent"
    assert KeyClientRule.objects.get(pk=1).updated_by == administrator
    missing = admin_api.put("/api/v1/key-client-rule/", {"basis": "nope"}, format="json")
    assert missing.status_code == 400


def test_key_client_flags_api(admin_api, sm_api):
    client = ClientFactory()
    assert (
        sm_api.post("/api/v1/key-client-flags/", {"client": client.pk, "flagged": True}, format="json").status_code
        == 403
    )
    assert (
        admin_api.post("/api/v1/key-client-flags/", {"client": 999999, "flagged": True}, format="json").status_code
        == 400
    )
    ok = admin_api.post("/api/v1/key-client-flags/", {"client": client.pk, "flagged": True}, format="json")
    assert ok.status_code == 200 and KeyClientFlag.objects.filter(client=client).exists()
    admin_api.post("/api/v1/key-client-flags/", {"client": client.pk, "flagged": False}, format="json")
    assert not KeyClientFlag.objects.filter(client=client).exists()

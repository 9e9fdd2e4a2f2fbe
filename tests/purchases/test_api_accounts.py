"""API twins of the record page and the tiers page: a client's account, the price preview, the policy."""

from decimal import Decimal

import pytest

from purchases.models import ClientAccount, DiscountPolicy, Purchase

pytestmark = pytest.mark.django_db
D = Decimal


def test_account_shows_total_tier_and_the_way_to_the_next(tiers, sm_api, acc_api, client_obj):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("1000"))
    body = sm_api.get(f"/api/v1/clients/{client_obj.pk}/account/").json()
    assert body["cumulative_total"] == "1000.00" and body["tier"]["percent"] == "2.00"
    assert body["next_tier"] is not None and D(body["missing_to_next_tier"]) > 0
    assert 0 <= body["progress_percent"] <= 100 and body["basis"] == "lifetime"
    # accountants read it too; an unknown client is a 404
    assert acc_api.get(f"/api/v1/clients/{client_obj.pk}/account/").status_code == 200
    assert sm_api.get("/api/v1/clients/999999/account/").status_code == 404


def test_account_of_a_client_without_purchases(tiers, sm_api, client_obj):
    body = sm_api.get(f"/api/v1/clients/{client_obj.pk}/account/").json()
    assert body["cumulative_total"] == "0.00" and body["recomputed_at"] is None


def test_preview_prices_a_purchase_without_recording_it(tiers, sm_api, acc_api, client_obj, product):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("1000"))
    body = {"client": client_obj.pk, "lines": [{"product": product.sku, "quantity": "2"}]}
    quote = sm_api.post("/api/v1/purchases/preview/", body, format="json")
    assert quote.status_code == 200, quote.content
    figures = quote.json()
    assert figures["gross_total"] == "200.00" and figures["discount_percent"] == "2.00"
    assert figures["net_total"] == "196.00" and figures["lines"][0]["product"] == product.sku
    assert not Purchase.objects.exists()
    bad = sm_api.post(
        "/api/v1/purchases/preview/",
        {"client": client_obj.pk, "lines": [{"product": "NOPE", "quantity": "1"}]},
        format="json",
    )
    assert bad.status_code == 400 and "lines" in bad.json()
    assert (
        sm_api.post("/api/v1/purchases/preview/", {"client": client_obj.pk, "lines": []}, format="json").status_code
        == 400
    )
    assert acc_api.post("/api/v1/purchases/preview/", body, format="json").status_code == 403


def test_discount_policy_read_by_all_changed_by_administrators(admin_api, sm_api, acc_api):
    assert sm_api.get("/api/v1/discount-policy/").json() == {"basis": "lifetime", "window_months": 12}
    assert sm_api.put("/api/v1/discount-policy/", {"basis": "rolling"}, format="json").status_code == 403
    assert acc_api.put("/api/v1/discount-policy/", {"basis": "rolling"}, format="json").status_code == 403
    bad = admin_api.put("/api/v1/discount-policy/", {"basis": "forever", "window_months": 0}, format="json")
    assert bad.status_code == 400 and {"basis", "window_months"} <= bad.json().keys()
    ok = admin_api.put("/api/v1/discount-policy/", {"basis": "rolling", "window_months": 6}, format="json")
    assert ok.status_code == 200 and ok.json() == {"basis": "rolling", "window_months": 6}
    policy = DiscountPolicy.objects.get()
    assert (policy.basis, policy.window_months) == ("rolling", 6)

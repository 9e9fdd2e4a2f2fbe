"""Product categories as a resource and the product upsert by SKU (issue 13: an integrator can build a
catalogue without guessing ids)."""

import pytest

from purchases.models import Category, Product, ProductWeight
from tests.factories import CategoryFactory, ProductFactory
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
CATEGORIES = "/api/v1/product-categories/"


def results(response):
    return len(response.json()["results"])


def test_administrator_creates_a_category_and_a_product_in_it(admin_api):
    response = admin_api.post(CATEGORIES, {"name": "Paper goods"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "paper-goods" and body["is_active"] is True and body["updated_at"]
    product = admin_api.post(
        "/api/v1/products/",
        {"sku": "P-1", "name": "A4 paper", "category": body["id"], "unit_price": "5.00", "unit_cost": "3.00"},
    )
    assert product.status_code == 201, product.json()
    assert product.json()["category_name"] == "Paper goods"


def test_every_role_reads_categories_only_administrators_write(sm_api, acc_api):
    category = CategoryFactory(name="Toner")
    assert sm_api.get(CATEGORIES).status_code == 200
    assert acc_api.get(f"{CATEGORIES}{category.pk}/").json()["name"] == "Toner"
    assert sm_api.post(CATEGORIES, {"name": "Ink"}).status_code == 403
    assert acc_api.patch(f"{CATEGORIES}{category.pk}/", {"name": "Ink"}).status_code == 403
    assert list(Category.objects.values_list("name", flat=True)) == ["Toner"]


def test_anonymous_and_roleless_are_refused(api_client, api_client_for, no_role_user):
    assert api_client.get(CATEGORIES).status_code == 401
    assert api_client_for(no_role_user).get(CATEGORIES).status_code == 403


@pytest.mark.parametrize(
    "payload, field",
    [({}, "name"), ({"name": "  "}, "name"), ({"name": "Toner"}, "name"), ({"name": "X", "code": "a" * 51}, "code")],
)
def test_category_bad_input_is_400_with_field_message(admin_api, payload, field):
    CategoryFactory(name="Toner", code="toner")
    response = admin_api.post(CATEGORIES, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Category.objects.count() == 1


def test_category_update_renames_and_deactivates(admin_api):
    category = CategoryFactory(name="Toner", code="toner")
    other = CategoryFactory(name="Ink", code="ink")
    response = admin_api.patch(f"{CATEGORIES}{category.pk}/", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert response.json()["name"] == "Toner"
    clash = admin_api.put(f"{CATEGORIES}{category.pk}/", {"name": "Ink", "code": "ink2"})
    assert clash.status_code == 400 and "name" in clash.json()
    assert Category.objects.get(pk=other.pk).name == "Ink"


def test_categories_sync_by_updated_since(admin_api):
    CategoryFactory(name="Old")
    assert results(admin_api.get(CATEGORIES, {"updated_since": "2000-01-01T00:00:00Z"})) == 1
    assert results(admin_api.get(CATEGORIES, {"updated_since": "2100-01-01T00:00:00Z"})) == 0
    assert admin_api.get(CATEGORIES, {"updated_since": "yesterday"}).status_code == 400


def test_category_list_costs_the_same_queries_for_2_and_20_categories(sm_api):
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(CATEGORIES),
        add_rows=lambda n: CategoryFactory.create_batch(n),
        rows=results,
        queries=2,
    )


# --- products upsert by SKU ---------------------------------------------------------------------------


def _product_body(of, **extra):
    return {"name": "A4 paper", "category": of.pk, "unit_price": "5.00", "unit_cost": "3.00", **extra}


def test_upsert_by_sku_creates_then_updates_and_repeats_change_nothing(admin_api):
    category = CategoryFactory()
    url = "/api/v1/products/by-sku/ERP-77/"
    first = admin_api.put(url, _product_body(category))
    assert first.status_code == 201, first.json()
    assert first.json()["sku"] == "ERP-77"
    again = admin_api.put(url, _product_body(category))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = admin_api.put(url, _product_body(category, unit_price="6.50", incentive_weight="2"))
    assert changed.status_code == 200
    product = Product.objects.get(sku="ERP-77")
    assert str(product.unit_price) == "6.50" and str(product.incentive_weight) == "2.000"
    assert Product.objects.count() == 1 and ProductWeight.objects.filter(product=product).count() == 2


def test_upsert_ignores_a_sku_in_the_body(admin_api):
    category = CategoryFactory()
    ProductFactory(sku="OTHER")
    response = admin_api.put("/api/v1/products/by-sku/PATHSKU/", _product_body(category, sku="OTHER"))
    assert response.status_code == 201 and response.json()["sku"] == "PATHSKU"


def test_upsert_is_administrators_only(sm_api, acc_api):
    category = CategoryFactory()
    for api in (sm_api, acc_api):
        assert api.put("/api/v1/products/by-sku/X-1/", _product_body(category)).status_code == 403
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [({"category": None}, "category"), ({"category": 999999}, "category"), ({"unit_price": "-1"}, "unit_price")],
)
def test_upsert_bad_input_is_400_and_saves_nothing(admin_api, change, field):
    category = CategoryFactory()
    response = admin_api.put("/api/v1/products/by-sku/X-1/", _product_body(category, **change))
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Product.objects.exists()

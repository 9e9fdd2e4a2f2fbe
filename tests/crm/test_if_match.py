"""PUT and PATCH on clients and products honour If-Match: a stale ETag answers 412 and writes nothing."""

import pytest

from purchases.models import Product
from tests.factories import ClientFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_client_write_with_a_stale_etag_is_refused(sm_api, sales_manager):
    client = ClientFactory(manager=sales_manager, name="Old name")
    read = sm_api.get(f"/api/v1/clients/{client.pk}/")
    tag = read["ETag"]
    assert tag.startswith('"')
    # somebody else writes first: the tag moves
    changed = sm_api.patch(f"/api/v1/clients/{client.pk}/", {"name": "Theirs"}, HTTP_IF_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag
    stale = sm_api.patch(f"/api/v1/clients/{client.pk}/", {"name": "Mine"}, HTTP_IF_MATCH=tag)
    assert stale.status_code == 412 and "ETag" in stale.json()["detail"]
    client.refresh_from_db()
    assert client.name == "Theirs"
    # the current tag (or *) goes through; no If-Match behaves as before
    fresh = sm_api.get(f"/api/v1/clients/{client.pk}/")["ETag"]
    assert fresh == changed["ETag"]
    assert sm_api.patch(f"/api/v1/clients/{client.pk}/", {"name": "Mine"}, HTTP_IF_MATCH=fresh).status_code == 200
    assert sm_api.patch(f"/api/v1/clients/{client.pk}/", {"name": "Any"}, HTTP_IF_MATCH="*").status_code == 200
    assert sm_api.patch(f"/api/v1/clients/{client.pk}/", {"name": "Free"}).status_code == 200


def test_product_put_honours_if_match(admin_api):
    product = ProductFactory(unit_price="10.00", unit_cost="5.00")
    read = admin_api.get(f"/api/v1/products/{product.pk}/")
    body = {k: read.json()[k] for k in ("sku", "name", "category", "unit_price", "unit_cost")}
    Product.objects.filter(pk=product.pk).update(name="Changed elsewhere")  # auto_now is not run by update()
    product.refresh_from_db()
    product.save()  # a real write moves updated_at
    stale = admin_api.put(f"/api/v1/products/{product.pk}/", {**body, "name": "Mine"}, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert Product.objects.get(pk=product.pk).name == "Changed elsewhere"
    current = admin_api.get(f"/api/v1/products/{product.pk}/")["ETag"]
    ok = admin_api.put(f"/api/v1/products/{product.pk}/", {**body, "name": "Mine"}, HTTP_IF_MATCH=current)
    assert ok.status_code == 200 and ok["ETag"] != current


def test_denied_roles_still_get_403_before_any_precondition(acc_api, sales_manager):
    client = ClientFactory(manager=sales_manager)
    response = acc_api.patch(f"/api/v1/clients/{client.pk}/", {"name": "x"}, HTTP_IF_MATCH='"nope"')
    assert response.status_code == 403

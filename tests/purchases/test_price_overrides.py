"""Price overrides: a unit price below the catalogue price by more than PRICE_OVERRIDE_ALLOWANCE_PERCENT needs a
reason (from a sales manager or an administrator alike) and is recorded with who, why and the catalogue price; it
shows on the purchase, in the client's purchases tab and on a page (and endpoint) for administrators only."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.exceptions import ApplicationError
from purchases import services
from purchases.models import PriceOverride, Purchase
from purchases.services import LineInput
from tests.factories import ClientFactory, ProductFactory
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
D = Decimal


def sell(client, by, *lines):
    purchase, _ = services.purchase_record(client=client, lines=list(lines), by=by)
    return purchase


def test_a_price_below_the_catalogue_without_a_reason_is_refused_on_that_line(
    tiers, client_obj, product, sales_manager
):
    with pytest.raises(ApplicationError) as caught:
        sell(
            client_obj,
            sales_manager,
            LineInput(product=product, quantity=D(1)),
            LineInput(product=product, quantity=D(1), unit_price=D("0")),
        )
    assert caught.value.field == "lines" and caught.value.message.startswith("Line 2:")
    assert caught.value.extra == {"lines": [{}, {"unit_price": [caught.value.message]}]}
    assert not Purchase.objects.exists() and not PriceOverride.objects.exists()


def test_an_administrator_gives_a_reason_too(tiers, client_obj, product, administrator):
    with pytest.raises(ApplicationError):
        sell(client_obj, administrator, LineInput(product=product, quantity=D(1), unit_price=D("50")))


def test_with_a_reason_the_line_is_recorded_with_who_why_and_the_catalogue_price(
    tiers, client_obj, product, sales_manager
):
    sale = sell(
        client_obj,
        sales_manager,
        LineInput(product=product, quantity=D(1)),
        LineInput(product=product, quantity=D(2), unit_price=D("80"), reason="  Scratched display unit "),
        LineInput(product=product, quantity=D(1), unit_price=D("120")),  # above the catalogue: no override
    )
    override = PriceOverride.objects.get()
    line = sale.lines.order_by("id")[1]
    assert (override.purchase, override.line, override.product, override.by) == (sale, line, product, sales_manager)
    assert (override.catalogue_price, override.unit_price, override.reason) == (
        D("100.00"),
        D("80.00"),
        "Scratched display unit",
    )
    assert override.below_percent == D("20.00")


def test_the_allowance_lets_small_reductions_pass_without_a_reason(settings, tiers, client_obj, product, sales_manager):
    settings.PRICE_OVERRIDE_ALLOWANCE_PERCENT = D("5")
    sell(client_obj, sales_manager, LineInput(product=product, quantity=D(1), unit_price=D("95")))
    assert not PriceOverride.objects.exists()
    with pytest.raises(ApplicationError, match="by more than 5%"):
        sell(client_obj, sales_manager, LineInput(product=product, quantity=D(1), unit_price=D("94.99")))


def test_api_refuses_a_cheap_line_without_reason_with_a_message_on_its_unit_price(tiers, sm_api, client_obj, product):
    lines = [{"product": product.sku, "quantity": 1}, {"product": product.sku, "quantity": 1, "unit_price": "10"}]
    response = sm_api.post("/api/v1/purchases/", {"client": client_obj.pk, "lines": lines}, format="json")
    assert response.status_code == 400
    assert response.json()["lines"][0] == {} and "give a reason" in response.json()["lines"][1]["unit_price"][0]
    assert not Purchase.objects.exists()
    lines[1]["reason"] = "Loss leader agreed with the client"
    response = sm_api.post("/api/v1/purchases/", {"client": client_obj.pk, "lines": lines}, format="json")
    assert response.status_code == 201
    assert PriceOverride.objects.get().reason == "Loss leader agreed with the client"


def test_record_page_shows_the_error_on_the_line_and_records_with_a_reason(tiers, sm_client, client_obj, product):
    url = reverse("purchases:record")
    post = {"client": client_obj.pk, "product": [product.sku], "quantity": ["1"], "unit_price": ["10"]}
    response = sm_client.post(url, post)
    assert response.status_code == 200 and b'class="error line-error"' in response.content
    assert b'aria-invalid="true"' in response.content and not Purchase.objects.exists()
    response = sm_client.post(url, {**post, "price_reason": ["Sample"]})
    assert response.status_code == 302
    sale = Purchase.objects.get()
    detail = sm_client.get(reverse("purchases:detail", args=[sale.pk]))
    assert b'id="price-overrides"' in detail.content and b"Sample" in detail.content
    tab = sm_client.get(reverse("purchases:client_tab", args=[client_obj.pk]))
    assert b'id="client-price-overrides"' in tab.content and b"Sample" in tab.content


@pytest.fixture
def overrides(tiers, client_obj, product, sales_manager, other_sales_manager):
    other = ProductFactory(unit_price=D("50.00"))
    sell(client_obj, sales_manager, LineInput(product=product, quantity=D(1), unit_price=D("1"), reason="mine"))
    sell(client_obj, other_sales_manager, LineInput(product=other, quantity=D(1), unit_price=D("1"), reason="theirs"))
    return other


def test_page_is_for_administrators_only(sm_client, acc_client, overrides):
    url = reverse("purchases:price_overrides")
    assert sm_client.get(url).status_code == 403
    assert acc_client.get(url).status_code == 403


def test_page_filters_by_manager_product_and_dates(admin_client_role, overrides, sales_manager):
    url = reverse("purchases:price_overrides")
    page = admin_client_role.get(url)
    assert page.status_code == 200 and b"mine" in page.content and b"theirs" in page.content
    page = admin_client_role.get(url, {"by": sales_manager.pk})
    assert b"mine" in page.content and b"theirs" not in page.content
    page = admin_client_role.get(url, {"product": overrides.sku})
    assert b"theirs" in page.content and b"mine" not in page.content
    page = admin_client_role.get(url, {"date_from": "2000-01-01", "date_to": "2000-01-02"})
    assert b"No price overrides." in page.content


def test_navigation_links_the_page_for_administrators(admin_client_role, overrides):
    assert reverse("purchases:price_overrides").encode() in admin_client_role.get(reverse("purchases:list")).content


def test_navigation_leaves_the_page_out_for_sales_managers(sm_client, overrides):
    assert reverse("purchases:price_overrides").encode() not in sm_client.get(reverse("purchases:list")).content


def _add_overrides(client, product, by):
    def add(n):
        for _ in range(n):
            sell(client, by, LineInput(product=ProductFactory(), quantity=D(1), unit_price=D("1"), reason="r"))

    return add


def test_page_costs_the_same_queries_for_2_and_20_overrides(admin_client_role, tiers, product, sales_manager):
    url = reverse("purchases:price_overrides")
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(url),
        add_rows=_add_overrides(ClientFactory(), product, sales_manager),
        rows=lambda r: len(re.findall(rb'<a href="/purchases/\d+/">', r.content)),
        queries=4,  # session, user, the overrides with what a row shows, the manager filter's choices
    )


def test_api_lists_for_administrators_only_with_filters(admin_api, sm_api, acc_api, overrides, sales_manager):
    assert sm_api.get("/api/v1/price-overrides/").status_code == 403
    assert acc_api.get("/api/v1/price-overrides/").status_code == 403
    body = admin_api.get("/api/v1/price-overrides/").json()
    assert [r["reason"] for r in body["results"]] == ["theirs", "mine"]
    assert body["results"][0]["catalogue_price"] == "50.00" and body["results"][0]["below_percent"] == "98.00"
    mine = admin_api.get("/api/v1/price-overrides/", {"by": sales_manager.pk}).json()["results"]
    assert [r["reason"] for r in mine] == ["mine"]
    theirs = admin_api.get("/api/v1/price-overrides/", {"product": overrides.pk}).json()["results"]
    assert [r["reason"] for r in theirs] == ["theirs"]
    assert admin_api.get("/api/v1/price-overrides/", {"date_to": "2000-01-01"}).json()["results"] == []


def test_api_costs_the_same_queries_for_2_and_20_overrides(admin_api, tiers, product, sales_manager):
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/price-overrides/"),
        add_rows=_add_overrides(ClientFactory(), product, sales_manager),
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )

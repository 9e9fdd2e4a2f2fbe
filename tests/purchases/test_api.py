from decimal import Decimal

import pytest
from django.utils import timezone

from purchases import services
from purchases.models import ClientAccount, DiscountTier, Invoice, Product, Purchase
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.factories import record_sale
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
D = Decimal


def results(response) -> int:
    return len(response.json()["results"])


def post_purchase(api, client, lines, **extra):
    return api.post("/api/v1/purchases/", {"client": client.pk, "lines": lines, **extra}, format="json")


def test_post_purchase_answers_the_discount_figures(tiers, sm_api, client_obj, product):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("1000"))
    response = post_purchase(sm_api, client_obj, [{"product": product.sku, "quantity": "2"}])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["gross_total"] == "200.00" and body["discount_percent"] == "2.00"
    assert body["discount_amount"] == "4.00" and body["net_total"] == "196.00"
    assert body["tier"]["percent"] == "2.00" and body["client_cumulative_total"] == "1196.00"


def test_post_purchase_by_id_with_price(tiers, sm_api, client_obj, product):
    line = {"product": str(product.pk), "quantity": 1, "unit_price": "80", "reason": "Display model"}
    response = post_purchase(sm_api, client_obj, [line])
    assert response.status_code == 201 and response.json()["gross_total"] == "80.00"


def test_post_purchase_twice_with_external_id_records_once(tiers, sm_api, client_obj, product):
    first = post_purchase(sm_api, client_obj, [{"product": product.sku, "quantity": 1}], external_id="ERP-9")
    second = post_purchase(sm_api, client_obj, [{"product": product.sku, "quantity": 3}], external_id="ERP-9")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json() == first.json()
    assert Purchase.objects.count() == 1


@pytest.mark.parametrize(
    "line,field",
    [
        ({"product": "NOPE", "quantity": 1}, "lines"),
        ({"product": "SKU", "quantity": 0}, "lines"),
        ({"product": "SKU", "quantity": -2}, "lines"),
        ({"product": "SKU", "quantity": 1, "unit_price": "-0.01"}, "lines"),
        ({"product": "SKU", "quantity": "abc"}, "lines"),
    ],
)
def test_post_purchase_bad_input_is_400_and_records_nothing(tiers, sm_api, client_obj, product, line, field):
    if line["product"] == "SKU":
        line["product"] = product.sku
    response = post_purchase(sm_api, client_obj, [line])
    assert response.status_code == 400 and field in response.json()
    assert not Purchase.objects.exists() and not ClientAccount.objects.exists()


def test_post_purchase_denied_to_accountant_and_anonymous(tiers, acc_api, api_client, client_obj, product):
    assert post_purchase(acc_api, client_obj, [{"product": product.sku, "quantity": 1}]).status_code == 403
    assert post_purchase(api_client, client_obj, [{"product": product.sku, "quantity": 1}]).status_code == 401
    assert not Purchase.objects.exists()


def test_purchase_list_filters(tiers, sm_api, sales_manager, client_obj, product):
    other = ClientFactory()
    for _ in range(4):
        record_sale(client_obj, product, 1, by=sales_manager)
    record_sale(other, product, 1, by=sales_manager)
    response = sm_api.get("/api/v1/purchases/", {"client": client_obj.pk})
    assert response.status_code == 200 and results(response) == 4
    since = (timezone.now() + timezone.timedelta(minutes=1)).isoformat()
    assert sm_api.get("/api/v1/purchases/", {"updated_since": since}).json()["results"] == []
    today = timezone.localdate().isoformat()
    assert results(sm_api.get("/api/v1/purchases/", {"date_from": today, "date_to": today})) == 5


def test_purchase_list_costs_the_same_queries_for_2_and_20_purchases(tiers, sm_api, sales_manager, client_obj, product):
    record_sale(ClientFactory(), product, 1, by=sales_manager)

    def add(n):
        for _ in range(n):
            services.purchase_record(
                client=client_obj,
                lines=[
                    services.LineInput(product=product, quantity=D(1)),
                    services.LineInput(product=ProductFactory(), quantity=D(2)),
                ],
                by=sales_manager,
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get("/api/v1/purchases/", {"client": client_obj.pk}),
        add_rows=add,
        rows=results,
        queries=4,  # the client filter reads the lineage in the list query itself
    )


def test_return_endpoint_and_over_return_refused(tiers, sm_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 2, by=sales_manager)
    line = sale.lines.get()
    url = f"/api/v1/purchases/{sale.pk}/returns/"
    response = sm_api.post(url, {"lines": [{"line": line.pk, "quantity": 1}]}, format="json")
    assert response.status_code == 201 and response.json()["net_total"] == "-100.00"
    response = sm_api.post(url, {"lines": [{"line": line.pk, "quantity": 2}]}, format="json")
    assert response.status_code == 400 and "lines" in response.json()
    assert Purchase.objects.filter(kind="return").count() == 1


def test_return_denied_to_accountant(tiers, acc_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 2, by=sales_manager)
    assert acc_api.post(f"/api/v1/purchases/{sale.pk}/returns/", {}, format="json").status_code == 403


def test_products_read_all_write_admin(sm_api, admin_api, product):
    category = product.category
    assert sm_api.get("/api/v1/products/").status_code == 200
    data = {"sku": "NEW-1", "name": "New", "category": category.pk, "unit_price": "5", "unit_cost": "2"}
    assert sm_api.post("/api/v1/products/", data, format="json").status_code == 403
    response = admin_api.post("/api/v1/products/", {**data, "incentive_weight": "1.5"}, format="json")
    assert response.status_code == 201
    created = Product.objects.get(sku="NEW-1")
    assert created.weights.get().weight == D("1.5")


def test_product_bad_input(admin_api, product):
    response = admin_api.post("/api/v1/products/", {"sku": product.sku, "name": ""}, format="json")
    assert response.status_code == 400
    assert Product.objects.count() == 1


def test_product_weight_schedule(admin_api, sm_api, product):
    url = f"/api/v1/products/{product.pk}/weights/"
    today = timezone.localdate()
    assert sm_api.post(url, {"weight": "2", "effective_from": today.isoformat()}, format="json").status_code == 403
    past = (today - timezone.timedelta(days=1)).isoformat()
    assert admin_api.post(url, {"weight": "2", "effective_from": past}, format="json").status_code == 400
    assert admin_api.post(url, {"weight": "2", "effective_from": today.isoformat()}, format="json").status_code == 201
    product.refresh_from_db()
    assert product.incentive_weight == D("2")


def test_tiers_read_all_write_admin(tiers, acc_api, admin_api):
    assert len(acc_api.get("/api/v1/discount-tiers/").json()["results"]) == 4
    assert acc_api.post("/api/v1/discount-tiers/", {"threshold": "50000", "percent": "12"}).status_code == 403
    assert admin_api.post("/api/v1/discount-tiers/", {"threshold": "50000", "percent": "12"}).status_code == 201
    assert admin_api.post("/api/v1/discount-tiers/", {"threshold": "1", "percent": "101"}).status_code == 400
    assert DiscountTier.objects.count() == 5


def test_invoice_flow_through_the_api(tiers, sm_api, acc_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    response = sm_api.post("/api/v1/invoices/", {"client": client_obj.pk, "purchases": [sale.pk]}, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert sm_api.post(f"/api/v1/invoices/{pk}/issue/").status_code == 403
    issued = acc_api.post(f"/api/v1/invoices/{pk}/issue/")
    assert issued.status_code == 200 and issued.json()["number"].endswith("-000001")
    assert acc_api.post(f"/api/v1/invoices/{pk}/issue/").status_code == 409
    assert sm_api.post(f"/api/v1/invoices/{pk}/payments/", {"amount": "10", "paid_on": "2026-01-01"}).status_code == 403
    bad = acc_api.post(f"/api/v1/invoices/{pk}/payments/", {"amount": "1000", "paid_on": timezone.localdate()})
    assert bad.status_code == 400 and "amount" in bad.json()
    ok = acc_api.post(f"/api/v1/invoices/{pk}/payments/", {"amount": "100", "paid_on": timezone.localdate()})
    assert ok.status_code == 201
    assert Invoice.objects.get(pk=pk).status == Invoice.Status.PAID
    pdf = sm_api.get(f"/api/v1/invoices/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_invoice_request_bad_input_and_denied(tiers, sm_api, acc_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    other = ClientFactory()
    assert sm_api.post("/api/v1/invoices/", {"client": other.pk, "purchases": [sale.pk]}).status_code == 400
    assert acc_api.post("/api/v1/invoices/", {"client": client_obj.pk, "purchases": [sale.pk]}).status_code == 403
    assert not Invoice.objects.exists()


def test_invoice_list_costs_the_same_queries_for_2_and_20_invoices(tiers, acc_api, accountant, sales_manager, product):
    def add(n):
        for i in range(n):
            client = ClientFactory()
            sales = [record_sale(client, product, 1, by=sales_manager) for _ in range(2)]
            invoice = services.invoice_request(client=client, purchases=sales, by=sales_manager)
            if i % 2:
                services.invoice_issue(invoice=invoice, by=accountant)
                services.invoice_payment_record(invoice=invoice, amount=D("10"), paid_on=None, by=accountant)

    assert_same_queries_at_two_sizes(
        # the token's user, the page, then its purchases, lines (with products) and credit notes
        fetch=lambda: acc_api.get("/api/v1/invoices/"),
        add_rows=add,
        rows=results,
        queries=5,
    )


def test_void_via_api_requires_reason(tiers, acc_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    assert acc_api.post(f"/api/v1/invoices/{invoice.pk}/void/", {}).status_code == 400
    assert acc_api.post(f"/api/v1/invoices/{invoice.pk}/void/", {"reason": "dup"}).json()["status"] == "void"


@pytest.mark.parametrize("action", ["claim", "issue", "send", "void"])
def test_invoice_actions_denied_to_sales_manager_and_admin(
    action, tiers, sm_api, admin_api, sales_manager, client_obj, product
):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    for api in (sm_api, admin_api):
        assert api.post(f"/api/v1/invoices/{invoice.pk}/{action}/", {"reason": "x"}).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == "requested" and not invoice.claimed_by_id


def test_api_denies_unauthenticated(api_client):
    for url in ("/api/v1/products/", "/api/v1/discount-tiers/", "/api/v1/purchases/", "/api/v1/invoices/"):
        assert api_client.get(url).status_code == 401


def test_products_list_costs_the_same_queries_for_2_and_20_products(sm_api):
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get("/api/v1/products/"),
        add_rows=lambda n: [ProductFactory() for _ in range(n)],  # each in a category of its own
        rows=results,
        queries=2,
    )


def test_discount_tiers_list_costs_the_same_queries_for_2_and_20_tiers(acc_api):
    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get("/api/v1/discount-tiers/"),
        add_rows=lambda n: [
            DiscountTier.objects.create(threshold=D(1000 * (DiscountTier.objects.count() + 1)), percent=D("1"))
            for _ in range(n)
        ],
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


def test_discount_override_via_api_is_admin_only_and_needs_reason(tiers, sm_api, admin_api, client_obj, product):
    line = [{"product": product.sku, "quantity": 1}]
    denied = post_purchase(sm_api, client_obj, line, discount_override="50", reason="friend")
    assert denied.status_code == 400 and "discount_override" in denied.json()
    assert post_purchase(admin_api, client_obj, line, discount_override="50").status_code == 400
    assert not Purchase.objects.exists()
    ok = post_purchase(admin_api, client_obj, line, discount_override="50", reason="Damaged box")
    assert ok.status_code == 201 and ok.json()["discount_amount"] == "50.00"
    sale = Purchase.objects.get()
    url = f"/api/v1/purchases/{sale.pk}/override/"
    assert sm_api.post(url, {"percent": "10", "reason": "x"}).status_code == 403
    assert admin_api.post(url, {"percent": "10"}).status_code == 400
    correction = admin_api.post(url, {"percent": "10", "reason": "Goodwill back to 10%"})
    assert correction.status_code == 201 and correction.json()["kind"] == "correction"
    assert correction.json()["net_total"] == "40.00"


def test_product_update_and_tier_edit_endpoints(tiers, sm_api, admin_api, product):
    url = f"/api/v1/products/{product.pk}/"
    assert sm_api.patch(url, {"name": "Renamed"}, format="json").status_code == 403
    assert admin_api.patch(url, {"unit_price": "-1"}, format="json").status_code == 400
    response = admin_api.patch(url, {"name": "Renamed", "incentive_weight": "2"}, format="json")
    assert response.status_code == 200 and response.json()["incentive_weight"] == "2.000"
    assert product.weights.filter(effective_from=timezone.localdate()).exists()
    tier = tiers[1]
    tier_url = f"/api/v1/discount-tiers/{tier.pk}/"
    assert sm_api.patch(tier_url, {"percent": "3"}, format="json").status_code == 403
    assert admin_api.patch(tier_url, {"threshold": "5000"}, format="json").status_code == 400  # taken
    assert admin_api.patch(tier_url, {"percent": "3"}, format="json").json()["percent"] == "3.00"
    assert admin_api.delete(f"/api/v1/discount-tiers/{tiers[3].pk}/").status_code == 204


def test_send_before_issue_is_400_and_pdf_needs_a_role(
    tiers, acc_api, api_client_for, no_role_user, sales_manager, client_obj, product
):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    assert acc_api.post(f"/api/v1/invoices/{invoice.pk}/send/").status_code == 400
    assert acc_api.post(f"/api/v1/invoices/{invoice.pk}/claim/").json()["claimed_by"] is not None
    assert api_client_for(no_role_user).get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 403


def test_return_posted_twice_with_external_id_answers_200_with_the_first_return(
    tiers, sm_api, sales_manager, client_obj, product
):
    sale = record_sale(client_obj, product, 2, by=sales_manager)
    url = f"/api/v1/purchases/{sale.pk}/returns/"
    first = sm_api.post(url, {"external_id": "RET-1"}, format="json")
    again = sm_api.post(url, {"external_id": "RET-1"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Purchase.objects.filter(kind="return").count() == 1


def test_return_of_a_line_of_another_purchase_is_400_and_records_nothing(
    tiers, sm_api, sales_manager, client_obj, product
):
    sale = record_sale(client_obj, product, 2, by=sales_manager)
    other = record_sale(client_obj, product, 2, by=sales_manager)
    url = f"/api/v1/purchases/{sale.pk}/returns/"
    for line in ({"line": other.lines.get().pk, "quantity": 1}, {"line": sale.lines.get().pk, "quantity": "x"}):
        response = sm_api.post(url, {"lines": [line]}, format="json")
        assert response.status_code == 400 and "lines" in response.json(), response.json()
    assert not Purchase.objects.filter(kind="return").exists()


def test_invoice_request_for_an_unknown_purchase_is_400(tiers, sm_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    response = sm_api.post(
        "/api/v1/invoices/", {"client": client_obj.pk, "purchases": [sale.pk, 999999]}, format="json"
    )
    assert response.status_code == 400 and "purchases" in response.json()
    assert not Invoice.objects.exists()

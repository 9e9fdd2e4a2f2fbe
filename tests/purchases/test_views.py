import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.roles import Role
from purchases import services
from purchases.models import Category, ClientAccount, Invoice, Product, Purchase
from purchases.services import ReturnLineInput
from tests.conftest import make_user
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.factories import record_sale
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
D = Decimal
User = get_user_model()


def purchase_links(response) -> int:
    return len(re.findall(rb'<a href="/purchases/\d+/">', response.content))


def invoice_links(response) -> int:
    return len(re.findall(rb'<a href="/purchases/invoices/\d+/">', response.content))


@pytest.fixture
def sale(tiers, client_obj, product, sales_manager):
    return record_sale(client_obj, product, 2, by=sales_manager)


@pytest.mark.parametrize("name", ["purchases:catalogue", "purchases:list", "purchases:invoices"])
def test_pages_open_for_every_role(name, sm_client, sale):
    assert sm_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ["purchases:catalogue", "purchases:list", "purchases:invoices", "purchases:record"])
def test_pages_denied_without_role(name, client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["purchases:product_new", "purchases:categories", "purchases:tiers", "purchases:catalogue_import"]
)
def test_admin_pages_denied_to_sales_manager(name, sm_client):
    assert sm_client.get(reverse(name)).status_code == 403


def test_record_page_denied_to_accountant(acc_client):
    assert acc_client.get(reverse("purchases:record")).status_code == 403
    assert acc_client.post(reverse("purchases:record_preview"), {}).status_code == 403


def test_record_purchase_through_the_page(tiers, sm_client, client_obj, product):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("5000"))
    response = sm_client.post(
        reverse("purchases:record"),
        {"client": client_obj.pk, "product": [product.sku, ""], "quantity": ["3", ""], "unit_price": ["", ""]},
    )
    purchase = Purchase.objects.get()
    assert response.status_code == 302 and response.url == reverse("purchases:detail", args=[purchase.pk])
    assert purchase.discount_amount == D("15.00")


def test_record_page_shows_error_and_records_nothing(tiers, sm_client, client_obj):
    response = sm_client.post(
        reverse("purchases:record"), {"client": client_obj.pk, "product": "NOPE", "quantity": "1"}
    )
    assert response.status_code == 200 and b"unknown product" in response.content
    assert not Purchase.objects.exists()


def test_preview_fragment_shows_discount(tiers, sm_client, client_obj, product):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("1000"))
    response = sm_client.post(
        reverse("purchases:record_preview"),
        {"client": client_obj.pk, "product": product.sku, "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert b"-2.00" in response.content and b"98.00" in response.content
    assert not Purchase.objects.exists()


def test_purchase_list_costs_the_same_queries_for_2_and_20_purchases(tiers, sm_client, sales_manager, product):
    def add(n):
        for _ in range(n):
            record_sale(ClientFactory(), product, 1, by=sales_manager)

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("purchases:list")), add_rows=add, rows=purchase_links, queries=3
    )
    assert response.status_code == 200


def test_catalogue_search_fragment_costs_the_same_queries_for_2_and_20_matches(sm_client):
    ProductFactory(name="Stapler")
    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("purchases:catalogue"), {"q": "paper"}, HTTP_HX_REQUEST="true"),
        add_rows=lambda n: [ProductFactory(name=f"Paper {Product.objects.count()}") for _ in range(n)],
        rows=lambda r: r.content.count(b"<tr>"),
        queries=3,
    )
    assert b"<html" not in response.content and b"Stapler" not in response.content


def test_catalogue_page_costs_the_same_queries_for_2_and_20_products(admin_client_role):
    response = assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("purchases:catalogue")),
        add_rows=lambda n: [ProductFactory() for _ in range(n)],  # each in a category of its own
        rows=lambda r: len(re.findall(rb'<a href="/purchases/catalogue/\d+/edit/">', r.content)),
        queries=4,
    )
    assert response.status_code == 200


def test_client_tab_shows_progress_to_next_tier(tiers, sm_client, client_obj, sale):
    response = sm_client.get(reverse("purchases:client_tab", args=[client_obj.pk]))
    assert response.status_code == 200
    assert b"<progress" in response.content
    assert b"800.00 more to reach 2%" in response.content


def test_client_tab_denied_without_role(client, no_role_user, client_obj):
    client.force_login(no_role_user)
    assert client.get(reverse("purchases:client_tab", args=[client_obj.pk])).status_code == 403


def test_return_through_the_page(sm_client, sale):
    line = sale.lines.get()
    response = sm_client.post(reverse("purchases:return", args=[sale.pk]), {f"return-{line.pk}": "1"})
    assert response.status_code == 302
    assert Purchase.objects.get(kind="return").net_total == D("-100.00")


def test_return_denied_to_accountant(acc_client, sale):
    assert acc_client.post(reverse("purchases:return", args=[sale.pk]), {"whole": "1"}).status_code == 403
    assert not Purchase.objects.filter(kind="return").exists()


def test_override_denied_to_sales_manager(sm_client, sale):
    url = reverse("purchases:override", args=[sale.pk])
    assert sm_client.post(url, {"percent": "10", "reason": "x"}).status_code == 403


def test_admin_creates_product_and_category(admin_client_role):
    admin_client_role.post(reverse("purchases:categories"), {"name": "Paper", "is_active": "on"})
    category = Category.objects.get(name="Paper")
    response = admin_client_role.post(
        reverse("purchases:product_new"),
        {
            "sku": "P-1",
            "name": "A4",
            "category": category.pk,
            "unit_price": "5",
            "unit_cost": "3",
            "incentive_weight": "1",
            "consultation_after_days": "14",
            "discount_eligible": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Product.objects.get(sku="P-1").weights.count() == 1


def test_csv_import_all_or_nothing(admin_client_role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = b"sku,name,category,unit_price,unit_cost\nA-1,Pen,Office,1.50,0.80\n"
    bad = good + b"A-2,,Office,x,1\n"
    response = admin_client_role.post(
        reverse("purchases:catalogue_import"), {"file": SimpleUploadedFile("c.csv", bad, "text/csv")}
    )
    assert response.status_code == 200 and b"Row 3" in response.content
    assert not Product.objects.exists()
    response = admin_client_role.post(
        reverse("purchases:catalogue_import"), {"file": SimpleUploadedFile("c.csv", good, "text/csv")}
    )
    assert response.status_code == 302 and Product.objects.get(sku="A-1").category.name == "Office"


def test_invoice_request_issue_and_pdf_through_pages(sm_client, client, accountant, sale, client_obj):
    response = sm_client.post(reverse("purchases:invoice_request"), {"client": client_obj.pk, "purchases": [sale.pk]})
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert sm_client.post(reverse("purchases:invoice_action", args=[invoice.pk, "issue"])).status_code == 403
    client.force_login(accountant)
    client.post(reverse("purchases:invoice_action", args=[invoice.pk, "issue"]))
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.number
    pdf = client.get(reverse("purchases:invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_invoice_request_denied_to_accountant(acc_client, client_obj):
    assert acc_client.get(reverse("purchases:invoice_request"), {"client": client_obj.pk}).status_code == 403


def _invoices(n, *, product, requested_by, issued_by=None):
    """n invoice requests, each for a sale to a new client; with `issued_by`, every other one is issued."""
    for i in range(n):
        c = ClientFactory()
        sale = record_sale(c, product, 1, by=requested_by)
        invoice = services.invoice_request(client=c, purchases=[sale], by=requested_by)
        if issued_by is not None and i % 2:
            services.invoice_issue(invoice=invoice, by=issued_by)


def _in_table(response, table_id: str) -> bytes:
    return response.content.split(f'id="{table_id}"'.encode())[1].split(b"</table>")[0]


def my_request_rows(response) -> int:
    """Invoices among a sales manager's own requests (issued ones also show among the issued)."""
    return len(re.findall(rb'<a href="/purchases/invoices/\d+/">', _in_table(response, "my-invoices")))


@pytest.mark.parametrize(
    "role, rows, queries",
    [
        # the queue and the issued list show each invoice once
        ("accountant", invoice_links, 6),  # session, user with roles, the queue, unsent invoices and notes, the issued
        ("administrator", invoice_links, 10),  # the same, and the turnaround: targets, calendar, holidays, invoices
        ("sales_manager", my_request_rows, 4),  # session, user with roles, own requests, the issued
    ],
)
def test_invoices_page_costs_the_same_queries_for_2_and_20_invoices(
    client, tiers, sales_manager, accountant, administrator, product, role, rows, queries
):
    client.force_login({"accountant": accountant, "administrator": administrator, "sales_manager": sales_manager}[role])
    response = assert_same_queries_at_two_sizes(
        fetch=lambda: client.get(reverse("purchases:invoices")),
        add_rows=lambda n: _invoices(n, product=product, requested_by=sales_manager, issued_by=accountant),
        rows=rows,
        queries=queries,
    )
    assert response.status_code == 200


def test_invoices_page_turnaround_costs_the_same_queries_for_2_and_20_accountants(
    admin_client_role, tiers, sales_manager, product
):
    # The turnaround table shows each accountant's full name: their last name comes with the invoices, not
    # in a query per accountant (it did before: 2 accountants cost 10 queries, 20 cost 28).
    def issue_by_new_accountants(n):
        for _ in range(n):
            accountant = make_user(f"acc-{User.objects.count()}", Role.ACCOUNTANT)
            _invoices(2, product=product, requested_by=sales_manager, issued_by=accountant)

    counts = []
    for size, more in ((2, 2), (20, 18)):
        issue_by_new_accountants(more)
        with CaptureQueriesContext(connection) as context:
            response = admin_client_role.get(reverse("purchases:invoices"))
        assert _in_table(response, "turnaround").count(b"<tr><td>") == size
        counts.append(len(context.captured_queries))
    assert counts == [10, 10]  # with the invoices and credit notes not sent to the client


def test_invoices_page_flags_overdue_requests_for_the_accountant(acc_client, tiers, sales_manager, product):
    _invoices(3, product=product, requested_by=sales_manager)
    late = Invoice.objects.order_by("pk").first()
    Invoice.objects.filter(pk=late.pk).update(due_at=late.requested_at)
    response = acc_client.get(reverse("purchases:invoices"))
    assert b'id="invoice-queue"' in response.content and invoice_links(response) == 3
    assert response.content.count(b"overdue</span>") == 1


def test_dashboard_shows_invoice_queue_to_accountant_only(client, accountant, sales_manager):
    client.force_login(accountant)
    assert b"panel-invoice-queue" in client.get("/").content
    client.force_login(sales_manager)
    page = client.get("/").content
    assert b"panel-invoice-queue" not in page and b"panel-my-invoices" in page


def test_client_tab_costs_the_same_queries_for_2_and_20_purchases(tiers, sm_client, client_obj, product, sales_manager):
    def add(n):
        for _ in range(n):
            sale = record_sale(client_obj, product, 3, by=sales_manager)
            services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("purchases:client_tab", args=[client_obj.pk])),
        add_rows=add,
        rows=purchase_links,
        queries=11,  # with the price overrides of the lineage
    )
    assert b"Tier history" in response.content and invoice_links(response) == 10  # the ten latest invoices


def test_every_page_renders_for_each_role(client, sales_manager, accountant, administrator, sale, client_obj, product):
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    services.invoice_issue(invoice=invoice, by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=D("10"), paid_on=None, by=accountant)
    ret, _ = services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=sale.lines.get(), quantity=D(1))]
    )
    pages = {
        administrator: [
            reverse("purchases:tiers"),
            reverse("purchases:categories"),
            reverse("purchases:category_edit", args=[product.category_id]),
            reverse("purchases:product_edit", args=[product.pk]),
            reverse("purchases:catalogue_import"),
            reverse("purchases:invoices"),
            reverse("purchases:detail", args=[sale.pk]),
            reverse("purchases:record") + f"?client={client_obj.pk}",
            reverse("purchases:record") + "?q=Client",
        ],
        accountant: [reverse("purchases:invoice", args=[invoice.pk]), reverse("purchases:invoices"), "/"],
        sales_manager: [
            reverse("purchases:detail", args=[ret.pk]),
            reverse("purchases:invoice_request") + f"?client={client_obj.pk}",
            reverse("purchases:invoice", args=[invoice.pk]),
            reverse("purchases:list") + f"?client={client_obj.pk}&kind=sale",
            "/",
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url)
    client.force_login(administrator)
    assert b"Turnaround" in client.get(reverse("purchases:invoices")).content


def test_admin_ledger_is_read_only(client, sale):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123456")
    client.force_login(root)
    models = ("purchase", "clientaccount", "tierchange", "invoice", "product", "discounttier", "creditnote", "taxrate")
    for model in models:
        assert client.get(f"/admin/purchases/{model}/").status_code == 200, model
    assert client.get(f"/admin/purchases/purchase/{sale.pk}/change/").status_code == 200
    assert client.post(f"/admin/purchases/purchase/{sale.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/purchases/purchase/add/").status_code == 403


def test_detail_pages_and_pdf_denied_without_role(client, no_role_user, sale, client_obj, sales_manager):
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    client.force_login(no_role_user)
    for url in (
        reverse("purchases:detail", args=[sale.pk]),
        reverse("purchases:invoice", args=[invoice.pk]),
        reverse("purchases:invoice_pdf", args=[invoice.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("purchases:list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_record_page_refuses_a_discount_that_is_not_a_number(tiers, admin_client_role, client_obj, product):
    response = admin_client_role.post(
        reverse("purchases:record"),
        {"client": client_obj.pk, "product": product.sku, "quantity": "1", "discount_override": "ten", "reason": "x"},
    )
    assert response.status_code == 200 and b"Discount percent: Enter a number." in response.content
    assert not Purchase.objects.exists()


def test_return_page_refuses_a_line_of_another_sale(sm_client, sale, client_obj, product, sales_manager):
    other = services.purchase_record(
        client=client_obj, lines=[services.LineInput(product=product, quantity=D(1))], by=sales_manager
    )[0]
    response = sm_client.post(
        reverse("purchases:return", args=[sale.pk]), {f"return-{other.lines.get().pk}": "1"}, follow=True
    )
    assert b"not part of this purchase" in response.content
    assert not Purchase.objects.filter(kind="return").exists()


def test_invoice_request_page_refuses_an_unknown_purchase(sm_client, sale, client_obj):
    response = sm_client.post(reverse("purchases:invoice_request"), {"client": client_obj.pk, "purchases": [999999]})
    assert response.status_code == 200 and b'id="request-error"' in response.content
    assert not Invoice.objects.exists()

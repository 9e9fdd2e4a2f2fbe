"""The top-bar search (crm.search and each app's provider): what each role finds, by name, number, phone or
email; the page, its htmx fragment and the API answer the same; bounded queries whatever the number of hits."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm import search
from purchases import services as purchase_services
from tests.complaints.factories import make_complaint
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.factories import record_sale
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sales_manager):
    client = ClientFactory(
        name="Harbour Stationers", phone="+442079460999", email="orders@harbour.example", manager=sales_manager
    )
    other = ClientFactory(name="Unrelated Printers", phone="+442079460111")
    product = ProductFactory(sku="LAID-A4", name="Laid paper A4", unit_price=Decimal("5.00"))
    sale = record_sale(client, product, 2, by=sales_manager)
    invoice = purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    complaint = make_complaint(client=client, by=sales_manager)
    return {"client": client, "other": other, "product": product, "invoice": invoice, "complaint": complaint}


def _kinds(groups) -> dict[str, list[str]]:
    return {g["kind"]: [h.title for h in g["hits"]] for g in groups}


def test_search_by_name_finds_the_client_its_invoice_and_complaint_for_a_sales_manager(world, sales_manager):
    found = _kinds(search.search(user=sales_manager, query="harbour"))
    assert found["clients"] == ["Harbour Stationers"]
    assert len(found["invoices"]) == 1 and len(found["complaints"]) == 1
    assert "products" not in found and "Unrelated Printers" not in found["clients"]


@pytest.mark.parametrize("query", ["+44 20 7946 0999", "020 7946 0999", "ORDERS@harbour.example"])
def test_search_by_a_whole_phone_or_email_written_any_way(world, administrator, query):
    assert _kinds(search.search(user=administrator, query=query))["clients"] == ["Harbour Stationers"]


def test_search_by_invoice_number_complaint_reference_and_sku(world, accountant, administrator):
    invoice = purchase_services.invoice_issue(invoice=world["invoice"], by=accountant)
    assert _kinds(search.search(user=accountant, query=invoice.number.lower()))["invoices"][0] == invoice.number
    ref = world["complaint"].reference
    assert _kinds(search.search(user=administrator, query=ref))["complaints"][0].startswith(ref)
    assert _kinds(search.search(user=administrator, query="laid-a4"))["products"] == ["Laid paper A4"]
    assert _kinds(search.search(user=administrator, query="laid paper"))["products"] == ["Laid paper A4"]


def test_accountants_find_clients_invoices_products_but_no_complaints(world, accountant):
    groups = search.search(user=accountant, query="harbour")
    assert [g["kind"] for g in groups] == ["clients", "invoices"]
    assert groups[0]["hits"][0].url == reverse("clients:billing", args=[world["client"].pk])


def test_a_query_shorter_than_two_characters_runs_no_query(world, sales_manager, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert search.search(user=sales_manager, query=" h ") == []


def test_search_page_fragment_and_api_agree_and_deny_a_user_without_role(
    world, sm_client, sm_api, no_role_user, client
):
    page = sm_client.get(reverse("search"), {"q": "harbour"})
    assert page.status_code == 200 and b'id="main-nav"' in page.content and b"Harbour Stationers" in page.content
    fragment = sm_client.get(reverse("search"), {"q": "harbour"}, headers={"HX-Request": "true"})
    assert b'id="main-nav"' not in fragment.content and b"Harbour Stationers" in fragment.content
    assert "HX-Request" in fragment["Vary"] and "no-store" in fragment["Cache-Control"]

    api = sm_api.get("/api/v1/search/", {"q": "harbour"})
    assert api.status_code == 200
    kinds = {g["kind"]: g for g in api.json()["results"]}
    assert set(kinds) == {"clients", "invoices", "complaints"}
    assert kinds["clients"]["hits"][0]["url"] == reverse("clients:card", args=[world["client"].pk])

    only = sm_api.get("/api/v1/search/", {"q": "harbour", "kind": "invoices", "limit": 1}).json()["results"]
    assert [g["kind"] for g in only] == ["invoices"]

    client.force_login(no_role_user)
    assert client.get(reverse("search"), {"q": "harbour"}).status_code == 403


@pytest.mark.parametrize(
    "params", [{}, {"q": "h"}, {"q": "x" * 101}, {"q": "harbour", "kind": "ships"}, {"q": "ab", "limit": "0"}]
)
def test_search_api_bad_input_is_a_400_with_field_messages(world, acc_api, params):
    response = acc_api.get("/api/v1/search/", params)
    assert response.status_code == 400
    assert set(response.json()) & {"q", "kind", "limit"}


def test_search_costs_the_same_queries_whatever_the_number_of_hits(sales_manager, sm_client):
    product = ProductFactory(name="Laid paper", unit_price=Decimal("1.00"))

    def add_rows(n):
        for _ in range(n):
            c = ClientFactory(name="Harbour branch", manager=sales_manager)
            sale = record_sale(c, product, 1, by=sales_manager)
            purchase_services.invoice_request(client=c, purchases=[sale], by=sales_manager)
            make_complaint(client=c, by=sales_manager)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("search"), {"q": "harbour"}, headers={"HX-Request": "true"}),
        add_rows=add_rows,
        rows=lambda r: min(r.content.count(b"/clients/"), 5),
        queries=6,
        sizes=(2, 5),
    )

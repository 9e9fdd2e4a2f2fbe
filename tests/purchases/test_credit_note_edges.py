"""Credit notes and tax rates through the pages, the API and the PDFs: who may do what, bad input, query counts."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from purchases import selectors, services
from purchases.models import CreditNote, TaxRate
from purchases.pdf import credit_note_pdf, invoice_pdf
from purchases.services import LineInput, ReturnLineInput
from tests.factories import ClientFactory
from tests.purchases.factories import record_sale
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
D = Decimal


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def issued_then_returned(client, product, *, sales_manager, accountant, quantity="3", returned="1"):
    """An issued invoice for a sale of `quantity` x product, then `returned` of them came back."""
    sale, _ = services.purchase_record(
        client=client, lines=[LineInput(product=product, quantity=D(quantity))], by=sales_manager
    )
    invoice = services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    invoice = services.invoice_issue(invoice=invoice, by=accountant)
    entry, _ = services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=sale.lines.get(), quantity=D(returned))]
    )
    return invoice, entry.credit_note


@pytest.fixture
def taxed(administrator, product):
    services.tax_rate_create(
        category=product.category, rate=D("20"), name="Standard", effective_from=date(2000, 1, 1), by=administrator
    )
    return product


@pytest.fixture
def requested_note(tiers, taxed, client_obj, sales_manager, accountant):
    return issued_then_returned(client_obj, taxed, sales_manager=sales_manager, accountant=accountant)


def test_pdfs_show_tax_lines_summary_totals_currency_and_the_corrected_invoice(requested_note, accountant, settings):
    settings.CURRENCY = "CHF"
    invoice, note = requested_note
    note = services.credit_note_issue(credit_note=note, by=accountant)
    invoice = selectors.invoice_get(pk=invoice.pk)
    text = pdf_text(invoice_pdf(invoice, selectors.invoice_lines(invoice=invoice)))
    assert f"Invoice {invoice.number}" in text
    assert "Tax rate" in text and "20%" in text
    assert "300.00 CHF" in text and "60.00 CHF" in text and "360.00 CHF" in text  # net, tax, gross
    assert f"Credit notes: {note.number} (120.00 CHF)" in text
    text = pdf_text(credit_note_pdf(selectors.credit_note_get(pk=note.pk)))
    assert f"Credit note {note.number}" in text and f"Corrects invoice {invoice.number}" in text
    assert "100.00 CHF" in text and "20.00 CHF" in text and "120.00 CHF" in text
    assert "USD" not in text and "EUR" not in text


# --- pages -------------------------------------------------------------------------------------------------


def test_accountant_sees_the_queue_issues_and_downloads(acc_client, requested_note):
    invoice, note = requested_note
    page = acc_client.get(reverse("purchases:credit_notes"))
    assert page.status_code == 200 and f'href="/purchases/credit-notes/{note.pk}/"'.encode() in page.content
    detail = acc_client.get(reverse("purchases:credit_note", args=[note.pk]))
    assert b'id="issue-credit-note"' in detail.content and invoice.number.encode() in detail.content
    response = acc_client.post(reverse("purchases:credit_note_issue", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.number and note.status == "issued"
    again = acc_client.post(reverse("purchases:credit_note_issue", args=[note.pk]), follow=True)
    assert b"already issued" in again.content
    pdf = acc_client.get(reverse("purchases:credit_note_pdf", args=[note.pk]))
    assert (
        pdf["Content-Type"] == "application/pdf"
        and f"credit-note-{note.number}".encode() in pdf["Content-Disposition"].encode()
    )
    invoice_page = acc_client.get(reverse("purchases:invoice", args=[invoice.pk]))
    assert note.number.encode() in invoice_page.content and b"invoice-lines-tax" in invoice_page.content


def test_sales_manager_and_administrator_see_but_cannot_issue(sm_client, admin_client_role, requested_note):
    _, note = requested_note
    for web in (sm_client, admin_client_role):
        assert web.get(reverse("purchases:credit_note", args=[note.pk])).status_code == 200
        assert web.get(reverse("purchases:credit_note_pdf", args=[note.pk])).status_code == 200
        assert web.post(reverse("purchases:credit_note_issue", args=[note.pk])).status_code == 403
    assert b'id="issue-credit-note"' not in sm_client.get(reverse("purchases:credit_note", args=[note.pk])).content
    note.refresh_from_db()
    assert note.status == "requested"


def test_credit_note_pages_denied_without_role(client, no_role_user, requested_note):
    _, note = requested_note
    client.force_login(no_role_user)
    for url in (
        reverse("purchases:credit_notes"),
        reverse("purchases:credit_note", args=[note.pk]),
        reverse("purchases:credit_note_pdf", args=[note.pk]),
        reverse("purchases:tax_rates"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("purchases:credit_note_issue", args=[note.pk])).status_code == 403


def test_credit_note_queue_page_queries_do_not_grow(acc_client, tiers, taxed, sales_manager, accountant):
    def add(n):
        for _ in range(n):
            issued_then_returned(ClientFactory(), taxed, sales_manager=sales_manager, accountant=accountant)

    def queue_rows(response):
        return len(re.findall(rb'href="/purchases/credit-notes/\d+/"', response.content))

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_client.get(reverse("purchases:credit_notes")), add_rows=add, rows=queue_rows, queries=4
    )


def test_administrator_adds_a_tax_rate_on_the_page(admin_client_role, product):
    url = reverse("purchases:tax_rates")
    assert admin_client_role.get(url).status_code == 200
    response = admin_client_role.post(url, {"product": product.sku, "rate": "7", "effective_from": "2026-01-01"})
    assert response.status_code == 302
    rate = TaxRate.objects.get()
    assert rate.product == product and rate.rate == D("7")
    both = admin_client_role.post(
        url, {"product": product.sku, "category": product.category_id, "rate": "7", "effective_from": "2026-02-01"}
    )
    assert both.status_code == 200 and b"one of them" in both.content
    unknown = admin_client_role.post(url, {"product": "NOPE", "rate": "7", "effective_from": "2026-02-01"})
    assert unknown.status_code == 200 and b"No product NOPE" in unknown.content
    assert TaxRate.objects.count() == 1


def test_tax_rates_page_is_for_administrators_only(sm_client, acc_client, product):
    url = reverse("purchases:tax_rates")
    for web in (sm_client, acc_client):
        assert web.get(url).status_code == 403
        assert web.post(url, {"product": product.sku, "rate": "7", "effective_from": "2026-01-01"}).status_code == 403
    assert not TaxRate.objects.exists()


# --- API ---------------------------------------------------------------------------------------------------


def test_credit_notes_api_list_detail_issue_pdf(requested_note, acc_api, sm_api, admin_api):
    invoice, note = requested_note
    listed = sm_api.get("/api/v1/credit-notes/", {"invoice": invoice.pk})
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["status"] == "requested" and row["gross_total"] == "120.00" and row["invoice_number"] == invoice.number
    assert row["lines"][0]["tax_rate"] == "20.00" and row["lines"][0]["tax_amount"] == "20.00"
    for api in (sm_api, admin_api):
        assert api.post(f"/api/v1/credit-notes/{note.pk}/issue/").status_code == 403
    issued = acc_api.post(f"/api/v1/credit-notes/{note.pk}/issue/")
    assert issued.status_code == 200 and issued.json()["number"].startswith("CN-")
    assert acc_api.post(f"/api/v1/credit-notes/{note.pk}/issue/").status_code == 409
    assert acc_api.post("/api/v1/credit-notes/999999/issue/").status_code == 404
    assert acc_api.post("/api/v1/credit-notes/", {}).status_code == 405
    pdf = sm_api.get(f"/api/v1/credit-notes/{note.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    detail = admin_api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert detail["credit_notes"] == [note.pk] and detail["credited_total"] == "120.00"
    assert (detail["net_total"], detail["tax_total"], detail["gross_total"]) == ("300.00", "60.00", "360.00")
    assert detail["lines"][0]["tax_amount"] == "60.00" and detail["currency"] == "EUR"


def test_credit_notes_api_denies_no_role(requested_note, api_client_for, no_role_user, api_client):
    _, note = requested_note
    api = api_client_for(no_role_user)
    for url in ("/api/v1/credit-notes/", f"/api/v1/credit-notes/{note.pk}/", f"/api/v1/credit-notes/{note.pk}/pdf/"):
        assert api.get(url).status_code == 403, url
        assert api_client.get(url).status_code == 401, url
    assert api.post(f"/api/v1/credit-notes/{note.pk}/issue/").status_code == 403


def test_credit_notes_api_filters_and_syncs(requested_note, acc_api):
    invoice, note = requested_note
    assert len(acc_api.get("/api/v1/credit-notes/", {"status": "issued"}).json()["results"]) == 0
    [row] = acc_api.get("/api/v1/credit-notes/", {"client": invoice.client_id}).json()["results"]
    assert row["client"] == invoice.client_id
    assert acc_api.get("/api/v1/credit-notes/", {"client": invoice.client_id + 1}).json()["results"] == []
    assert len(acc_api.get("/api/v1/credit-notes/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]) == 1
    assert acc_api.get("/api/v1/credit-notes/", {"updated_since": "yesterday"}).status_code == 400


def test_credit_notes_api_list_queries_do_not_grow(acc_api, tiers, taxed, sales_manager, accountant):
    def add(n):
        for _ in range(n):
            issued_then_returned(ClientFactory(), taxed, sales_manager=sales_manager, accountant=accountant)

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get("/api/v1/credit-notes/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=3,  # the token's user, the page, its lines with products
    )


def test_tax_rates_api_read_all_write_admin(admin_api, sm_api, acc_api, product):
    body = {"product": product.pk, "rate": "19", "effective_from": "2026-01-01", "name": "Standard"}
    assert sm_api.post("/api/v1/tax-rates/", body).status_code == 403
    assert acc_api.post("/api/v1/tax-rates/", body).status_code == 403
    created = admin_api.post("/api/v1/tax-rates/", body)
    assert created.status_code == 201 and created.json()["rate"] == "19.00"
    assert admin_api.post("/api/v1/tax-rates/", body).status_code == 400  # same product and day
    listed = acc_api.get("/api/v1/tax-rates/", {"product": product.pk})
    assert listed.status_code == 200 and listed.json()["results"][0]["effective_from"] == "2026-01-01"
    assert TaxRate.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"rate": "19", "effective_from": "2026-01-01"}, "product"),  # neither product nor category
        ({"product": 1, "rate": "120", "effective_from": "2026-01-01"}, "rate"),
        ({"product": 1, "rate": "x", "effective_from": "2026-01-01"}, "rate"),
        ({"product": 1, "rate": "19", "effective_from": "soon"}, "effective_from"),
        ({"product": 999999, "rate": "19", "effective_from": "2026-01-01"}, "product"),
    ],
)
def test_tax_rates_api_bad_input_is_400_and_saves_nothing(admin_api, product, body, field):
    if body.get("product") == 1:
        body = {**body, "product": product.pk}
    response = admin_api.post("/api/v1/tax-rates/", body)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not TaxRate.objects.exists()


def test_fully_returned_sale_refused_through_the_api(tiers, sm_api, sales_manager, client_obj, product):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    services.purchase_return(original=sale, by=sales_manager)
    response = sm_api.post("/api/v1/invoices/", {"client": client_obj.pk, "purchases": [sale.pk]}, format="json")
    assert response.status_code == 400 and "fully returned" in str(response.json())
    assert not CreditNote.objects.exists()

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from purchases import services
from purchases.models import CreditNote, Invoice
from purchases.services import LineInput
from tests.factories import ClientFactory, ProductFactory

from ..factories import demo_tiers

D = Decimal


def downloaded_text(page, selector) -> str:
    with page.expect_download() as download_info:
        page.click(selector)
    with open(download_info.value.path(), "rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF")
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)


def logout(page):
    page.click("#user-menu")
    page.click("#logout")


@pytest.mark.django_db(transaction=True)
def test_accountant_issues_invoice_then_the_credit_note_for_a_partial_return_and_refunds_it(
    page, login, sales_manager, accountant, administrator
):
    demo_tiers()
    client = ClientFactory(name="Acme Print", manager=sales_manager)
    paper = ProductFactory(sku="PAPER-A4", name="A4 paper", unit_price=D("20.00"))
    services.tax_rate_create(category=paper.category, rate=D("20"), effective_from=date(2000, 1, 1), by=administrator)
    lines = [LineInput(product=paper, quantity=D("5"))]
    sale, _ = services.purchase_record(client=client, lines=lines, by=sales_manager)
    invoice = services.invoice_request(client=client, purchases=[sale], by=sales_manager)

    login(accountant)
    page.goto("/purchases/invoices/")
    page.click(f"#invoice-queue a[href='/purchases/invoices/{invoice.pk}/']")
    page.click("#issue-invoice")
    page.wait_for_selector("#invoice-title")
    invoice = Invoice.objects.get()
    assert invoice.status == "issued" and invoice.number in page.inner_text("#invoice-title")
    # 5 x 20.00 = 100.00 net, 20% tax = 20.00, 120.00 gross
    expect(page.locator("#invoice-lines-gross")).to_have_text("120.00 EUR")
    text = downloaded_text(page, "#download-pdf")
    assert f"Invoice {invoice.number}" in text and "Tax rate" in text and "20%" in text
    assert "100.00 EUR" in text and "20.00 EUR" in text and "120.00 EUR" in text
    # the client pays in full (the form offers the balance)
    page.click("#payment-form button[type=submit]")
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    assert page.csp_violations == []
    logout(page)

    login(sales_manager)
    page.goto(f"/purchases/{sale.pk}/")
    page.fill(f"input[name=return-{sale.lines.get().pk}]", "2")
    page.fill("#return-form input[name=reason]", "Two boxes damaged")
    page.click("text=Return the quantities entered")
    page.wait_for_selector("#credit-note-requested")
    note = CreditNote.objects.get()
    assert note.status == "requested" and note.gross_total == D("48.00")  # 2 x 20.00 + 20% tax
    logout(page)

    login(accountant)
    page.goto("/purchases/credit-notes/")
    page.click(f"#credit-note-queue a[href='/purchases/credit-notes/{note.pk}/']")
    page.click("#issue-credit-note")
    expect(page.locator("#credit-note-status")).to_have_text("Issued")
    note.refresh_from_db()
    assert note.number.startswith("CN-") and note.number in page.inner_text("#credit-note-title")
    expect(page.locator("#credit-note-lines-tax-total")).to_have_text("8.00 EUR")
    text = downloaded_text(page, "#download-credit-note-pdf")
    assert f"Credit note {note.number}" in text and f"Corrects invoice {invoice.number}" in text
    assert "40.00 EUR" in text and "8.00 EUR" in text and "48.00 EUR" in text and "20%" in text
    # paid in full, then 48.00 credited: 48.00 is due back; the refund is recorded against the credit note
    expect(page.locator("#credit-note-invoice-balance")).to_have_text("-48.00 EUR")
    expect(page.locator("#id_refund-amount")).to_have_value("48.00")
    page.fill("#id_refund-reference", "RMA 12")
    page.click("#credit-note-refund-form button[type=submit]")
    expect(page.locator("#credit-note-refunds")).to_contain_text("RMA 12")
    expect(page.locator("#credit-note-invoice-balance")).to_have_text("0.00 EUR")
    page.click("#credit-note-invoice")
    expect(page.locator("#invoice-credit-notes")).to_contain_text(note.number)
    expect(page.locator("#invoice-balance")).to_have_text("0.00")
    expect(page.locator("#invoice-status")).to_have_text("Partially refunded")
    expect(page.locator("#payments")).to_contain_text(note.number)
    text = downloaded_text(page, "#download-pdf")
    assert f"Credit notes: {note.number} (48.00 EUR)" in text and "Tax rate" in text
    assert "Refunded" in text and "48.00 EUR" in text
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.amount_refunded) == (
        "partially_refunded",
        D("120.00"),
        D("48.00"),
    )
    assert page.csp_violations == []

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from purchases.models import ClientAccount, Invoice, Purchase
from tests.factories import ClientFactory, ProductFactory

from ..factories import demo_tiers


@pytest.mark.django_db(transaction=True)
def test_sales_manager_records_with_preview_and_accountant_issues_pdf(page, login, sales_manager, accountant):
    demo_tiers()
    client = ClientFactory(name="Acme Print", manager=sales_manager)
    ClientAccount.objects.create(client=client, cumulative_total=Decimal("5000"))
    ProductFactory(sku="PAPER-A4", name="A4 paper", unit_price=Decimal("20.00"))

    login(sales_manager)
    page.goto(f"/purchases/record/?client={client.pk}")
    page.fill("#lines .purchase-line input[name=product]", "PAPER-A4")
    page.fill("#lines .purchase-line input[name=quantity]", "3")
    # 5% tier reached before this purchase: 3 x 20.00 = 60.00, discount 3.00
    expect(page.locator("#preview-gross")).to_have_text("60.00")
    expect(page.locator("#preview-discount")).to_have_text("-3.00")
    page.click("#add-line")
    page.wait_for_selector("#lines .purchase-line:nth-child(2)")
    page.fill("#lines .purchase-line:nth-child(2) input[name=product]", "PAPER-A4")
    page.fill("#lines .purchase-line:nth-child(2) input[name=quantity]", "1")
    expect(page.locator("#preview-net")).to_have_text("76.00")
    page.click("#record-submit")
    page.wait_for_selector("#purchase-net")
    assert page.inner_text("#purchase-net") == "76.00"
    purchase = Purchase.objects.get()
    page.click("#request-invoice")
    page.click("#submit-request")
    page.wait_for_selector("#invoice-status")
    assert page.csp_violations == []
    page.click("#user-menu")
    page.click("#logout")

    login(accountant)
    page.goto("/purchases/invoices/")
    page.click(f"#invoice-queue a[href='/purchases/invoices/{Invoice.objects.get().pk}/']")
    page.click("#issue-invoice")
    page.wait_for_selector("#invoice-title")
    invoice = Invoice.objects.get()
    assert invoice.status == "issued" and invoice.purchases.get() == purchase
    assert invoice.number in page.inner_text("#invoice-title")
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    path = download_info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(4) == b"%PDF"

    # paid in full (the form offers the balance), then partly refunded
    page.click("#payment-form button[type=submit]")
    page.wait_for_selector("#refund-form")
    assert page.inner_text("#invoice-status") == "Paid"
    page.fill("#id_refund-amount", "10")
    page.fill("#id_refund-reference", "Damaged box")
    page.click("#refund-form button[type=submit]")
    page.wait_for_selector("tr.refund")
    assert page.inner_text("#invoice-status") == "Partially refunded"
    assert "Damaged box" in page.inner_text("#payments")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded) == ("partially_refunded", Decimal("10.00"))
    assert page.csp_violations == []

"""Returns, invoice issuing and credit-note issuing for the same client from several threads on PostgreSQL: each
return lands either before its invoice's issue (the invoice is net of it) or after (a credit note takes it),
never both or neither, and the credit notes' series is gapless and unique."""

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from crm.exceptions import ConflictError
from purchases import services
from purchases.models import CreditNote, Invoice, Purchase
from purchases.services import ReturnLineInput
from tests.conftest import make_user
from tests.factories import ClientFactory, ProductFactory

from .factories import demo_tiers, record_sale
from .test_concurrency import THREADS, _run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SALES_PER_THREAD = 3


def test_returns_racing_invoice_and_credit_note_issues_credit_each_return_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    demo_tiers()
    seller = make_user("sm-cn", "Sales manager")
    accountant = make_user("acc-cn", "Accountant")
    admin = make_user("adm-cn", "Administrator")
    client = ClientFactory()
    product = ProductFactory(unit_price=Decimal("10.00"))
    services.tax_rate_create(category=product.category, rate=Decimal("20"), effective_from=date(2000, 1, 1), by=admin)
    sales = [record_sale(client, product, 4, by=seller) for _ in range(THREADS * SALES_PER_THREAD)]
    invoices = [services.invoice_request(client=client, purchases=[s], by=seller) for s in sales]
    # half the invoices are issued before the race, the others are issued while their sales are being returned
    for invoice in invoices[::2]:
        services.invoice_issue(invoice=invoice, by=accountant)

    def work(i):
        for sale in sales[i::THREADS]:
            one = [ReturnLineInput(line=sale.lines.get(), quantity=Decimal(1))]
            for _ in range(2):
                services.purchase_return(original=sale, by=seller, lines=one)
        for invoice in Invoice.objects.filter(pk__in=[inv.pk for inv in invoices[(i + 1) % THREADS :: THREADS]]):
            with contextlib.suppress(ConflictError):
                services.invoice_issue(invoice=invoice, by=accountant)
        for note in CreditNote.objects.filter(status="requested"):
            with contextlib.suppress(ConflictError):
                services.credit_note_issue(credit_note=note, by=accountant)

    _run_in_threads(work, THREADS)

    def issue_the_rest(i):
        for invoice in Invoice.objects.filter(status="requested"):
            with contextlib.suppress(ConflictError):
                services.invoice_issue(invoice=invoice, by=accountant)
        for note in CreditNote.objects.filter(status="requested"):
            with contextlib.suppress(ConflictError):
                services.credit_note_issue(credit_note=note, by=accountant)

    _run_in_threads(issue_the_rest, THREADS)

    assert not Invoice.objects.filter(status="requested").exists()
    assert not CreditNote.objects.filter(status="requested").exists()
    for sale, invoice in zip(sales, invoices, strict=True):
        invoice.refresh_from_db()
        ledger = (
            Purchase.objects.filter(pk=sale.pk).aggregate(t=Sum("net_total"))["t"]
            + (Purchase.objects.filter(original=sale).aggregate(t=Sum("net_total"))["t"])
        )
        credited = invoice.credit_notes.aggregate(n=Sum("net_total"))["n"] or Decimal(0)
        assert invoice.net_total - credited == ledger == Decimal("20.00"), sale.pk  # 4 sold, 2 returned
        assert invoice.gross_total - invoice.credited_total == Decimal("24.00")
        lines = invoice.lines.aggregate(n=Sum("net_amount"), t=Sum("tax_amount"), g=Sum("gross_amount"))
        assert (lines["n"], lines["t"], lines["g"]) == (invoice.net_total, invoice.tax_total, invoice.gross_total)
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in CreditNote.objects.values_list("number", flat=True))
    assert numbers == list(range(1, CreditNote.objects.count() + 1))
    assert CreditNote.objects.filter(entry__isnull=False).count() == CreditNote.objects.count()
    invoice_numbers = sorted(int(n.split("-")[1]) for n in Invoice.objects.values_list("number", flat=True))
    assert invoice_numbers == list(range(1, len(invoices) + 1))

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError
from crm.money import ZERO
from crm.notifications.models import Notification
from purchases import services
from purchases.models import CreditNote, CreditNoteCounter, Invoice, InvoiceCounter, InvoiceLine
from purchases.services import LineInput, ReturnLineInput
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = timezone.localdate().year


@pytest.fixture
def rates(administrator, product):
    """20% on the product's category; a second product with its own 10%."""
    services.tax_rate_create(category=product.category, rate=D("20"), effective_from=date(2000, 1, 1), by=administrator)
    book = ProductFactory(sku="BOOK", name="Book", unit_price=D("15.00"), category=product.category)
    services.tax_rate_create(product=book, rate=D("10"), effective_from=date(2000, 1, 1), by=administrator)
    return book


@pytest.fixture
def sale(tiers, rates, client_obj, product, sales_manager):
    """3 x 100.00 at 20% and 2 x 15.00 at 10% (no discount: the client is below the first tier)."""
    purchase, _ = services.purchase_record(
        client=client_obj,
        lines=[LineInput(product=product, quantity=D("3")), LineInput(product=rates, quantity=D("2"))],
        by=sales_manager,
    )
    return purchase


def request(sale, sales_manager):
    return services.invoice_request(client=sale.client, purchases=[sale], by=sales_manager)


def give_back(sale, by, **quantities):
    lines = {line.product.sku: line for line in sale.lines.select_related("product")}
    entry, _ = services.purchase_return(
        original=sale,
        by=by,
        lines=[ReturnLineInput(line=lines[sku], quantity=D(q)) for sku, q in quantities.items()],
        reason="Damaged",
    )
    return entry


def test_issued_invoice_has_taxed_lines_and_fixed_totals(sale, sales_manager, accountant):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    lines = list(invoice.lines.order_by("tax_rate"))
    # 2 x 15.00 = 30.00 at 10% -> 3.00; 3 x 100.00 = 300.00 at 20% -> 60.00
    assert [(line.quantity, line.net_amount, line.tax_rate, line.tax_amount, line.gross_amount) for line in lines] == [
        (D("2"), D("30.00"), D("10"), D("3.00"), D("33.00")),
        (D("3"), D("300.00"), D("20"), D("60.00"), D("360.00")),
    ]
    assert all(line.purchase_line.purchase_id == sale.pk for line in lines)
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (D("330.00"), D("63.00"), D("393.00"))
    assert invoice.balance == D("393.00")


def test_partly_returned_sale_is_invoiced_net_of_the_return(sale, sales_manager, accountant, product):
    invoice = request(sale, sales_manager)
    give_back(sale, sales_manager, **{product.sku: "1"})
    invoice.refresh_from_db()
    assert invoice.gross_total == D("273.00")  # the request's estimate follows the ledger: 2 x 120 + 33
    invoice = services.invoice_issue(invoice=invoice, by=accountant)
    line = invoice.lines.get(product=product)
    assert (line.quantity, line.net_amount, line.tax_amount) == (D("2.000"), D("200.00"), D("40.00"))
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (D("230.00"), D("43.00"), D("273.00"))
    assert not CreditNote.objects.exists()  # returned before the issue: nothing to credit


def test_a_line_fully_returned_before_issue_is_left_out(sale, sales_manager, accountant, rates):
    invoice = request(sale, sales_manager)
    give_back(sale, sales_manager, BOOK="2")
    invoice = services.invoice_issue(invoice=invoice, by=accountant)
    assert [line.product_id for line in invoice.lines.all()] != [rates.pk]
    assert invoice.lines.count() == 1 and invoice.gross_total == D("360.00")


def test_fully_returned_sale_cannot_be_requested(sale, sales_manager):
    services.purchase_return(original=sale, by=sales_manager)
    with pytest.raises(ApplicationError, match=rf"Sale #{sale.pk} of .* was fully returned"):
        request(sale, sales_manager)
    assert not Invoice.objects.exists()


def test_fully_returned_sale_cannot_be_issued(sale, sales_manager, accountant):
    invoice = request(sale, sales_manager)
    services.purchase_return(original=sale, by=sales_manager)
    with pytest.raises(ApplicationError, match=rf"Sale #{sale.pk} of .* was fully returned"):
        services.invoice_issue(invoice=invoice, by=accountant)
    invoice.refresh_from_db()
    assert invoice.status == "requested" and invoice.number is None and not InvoiceCounter.objects.exists()


def test_return_after_issue_gives_a_credit_note_equal_to_the_returned_entries(sale, sales_manager, accountant, product):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    fixed = (invoice.net_total, invoice.tax_total, invoice.gross_total, list(invoice.lines.values()))
    entry = give_back(sale, sales_manager, **{product.sku: "1"}, BOOK="1")
    invoice.refresh_from_db()
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total, list(invoice.lines.values())) == fixed
    note = CreditNote.objects.get()
    assert note.status == "requested" and note.number is None and note.entry == entry and note.invoice == invoice
    assert note.reason == "return" and note.due_at > note.requested_at and note.requested_by == sales_manager
    # the credit note's net is what the return took off the ledger
    assert note.net_total == -entry.net_total == D("115.00")
    assert (note.tax_total, note.gross_total) == (D("21.50"), D("136.50"))  # 20.00 + 1.50
    assert {line.purchase_line.purchase_id for line in note.lines.all()} == {entry.pk}
    assert sum(line.net_amount for line in note.lines.all()) == note.net_total
    issued = services.credit_note_issue(credit_note=note, by=accountant)
    assert issued.number == f"CN-{YEAR}-000001" and issued.issued_by == accountant
    invoice.refresh_from_db()
    assert invoice.credited_total == D("136.50") and invoice.balance == D("256.50")
    assert Notification.objects.filter(user=sales_manager, event="credit_note_issued").exists()
    with pytest.raises(ConflictError):
        services.credit_note_issue(credit_note=note, by=accountant)


def test_returning_the_rest_credits_exactly_what_is_left_of_each_line(sale, sales_manager, accountant, product):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    give_back(sale, sales_manager, **{product.sku: "1"})
    give_back(sale, sales_manager, **{product.sku: "1"})
    give_back(sale, sales_manager, **{product.sku: "1"}, BOOK="2")
    notes = list(CreditNote.objects.order_by("id"))
    for note in notes:
        services.credit_note_issue(credit_note=note, by=accountant)
    assert sum(n.gross_total for n in notes) == invoice.gross_total
    assert sum(n.tax_total for n in notes) == invoice.tax_total
    assert [n.number for n in CreditNote.objects.order_by("id")] == [f"CN-{YEAR}-00000{i}" for i in (1, 2, 3)]
    assert CreditNoteCounter.objects.get().last_number == 3 and InvoiceCounter.objects.get().last_number == 1
    invoice.refresh_from_db()
    assert invoice.balance == ZERO


def test_discount_correction_after_issue_gives_a_credit_note(sale, sales_manager, accountant, administrator, product):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    correction = services.purchase_discount_override(
        purchase=sale, percent=D("10"), reason="Loyal client", by=administrator
    )
    invoice.refresh_from_db()
    assert invoice.gross_total == D("393.00")
    note = CreditNote.objects.get()
    assert note.reason == "correction" and note.entry == correction
    assert note.net_total == -correction.net_total == D("33.00")  # 10% of 330.00
    assert note.tax_total == D("6.30")  # 30.00 x 20% + 3.00 x 10%
    assert note.lines.filter(quantity=0).count() == 2


def test_return_of_a_sale_not_invoiced_or_on_a_void_invoice_gives_no_credit_note(
    sale, sales_manager, accountant, product
):
    give_back(sale, sales_manager, **{product.sku: "1"})
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    services.invoice_void(invoice=invoice, by=accountant, reason="Wrong client")
    assert CreditNote.objects.get().reason == "void"
    give_back(sale, sales_manager, **{product.sku: "1"})
    assert CreditNote.objects.count() == 1


def test_void_credits_what_no_credit_note_takes_yet(sale, sales_manager, accountant, product):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    returned = CreditNote.objects.get(pk=give_back(sale, sales_manager, **{product.sku: "1"}).credit_note.pk)
    services.invoice_void(invoice=invoice, by=accountant, reason="Wrong address")
    void = CreditNote.objects.get(reason="void")
    assert void.status == "issued" and void.number == f"CN-{YEAR}-000001"
    assert void.gross_total == invoice.gross_total - returned.gross_total == D("273.00")
    assert void.lines.get(product=product).quantity == D("2")
    services.credit_note_issue(credit_note=returned, by=accountant)
    invoice.refresh_from_db()
    assert invoice.credited_total == invoice.gross_total and invoice.balance == ZERO


def test_paid_invoice_is_not_voided_but_credited(sale, sales_manager, accountant, product):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=invoice.gross_total, paid_on=None, by=accountant)
    with pytest.raises(ApplicationError, match="cannot be voided"):
        services.invoice_void(invoice=invoice, by=accountant, reason="Client returned goods")
    give_back(sale, sales_manager, **{product.sku: "1"})
    note = services.credit_note_issue(credit_note=CreditNote.objects.get(), by=accountant)
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.balance == -note.gross_total == D("-120.00")  # to refund


def test_only_accountants_issue_credit_notes(sale, sales_manager, accountant, administrator, product):
    services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    give_back(sale, sales_manager, **{product.sku: "1"})
    note = CreditNote.objects.get()
    for user in (sales_manager, administrator):
        with pytest.raises(ApplicationError) as exc:
            services.credit_note_issue(credit_note=note, by=user)
        assert exc.value.code == "forbidden"
    note.refresh_from_db()
    assert note.status == "requested" and not CreditNoteCounter.objects.exists()


def test_rounding_per_document_on_an_invoice(settings, tiers, administrator, client_obj, sales_manager, accountant):
    """Three lines of 0.13 at 20%: per line 3 x 0.03 = 0.09; per document 0.078 -> 0.08."""
    cheap = [ProductFactory(unit_price=D("0.13")) for _ in range(3)]
    for p in cheap:
        services.tax_rate_create(product=p, rate=D("20"), effective_from=date(2000, 1, 1), by=administrator)
    purchase, _ = services.purchase_record(
        client=client_obj, lines=[LineInput(product=p, quantity=D("1")) for p in cheap], by=sales_manager
    )
    settings.TAX_ROUNDING = "line"
    assert services.sales_figures([purchase]).tax == D("0.09")
    settings.TAX_ROUNDING = "document"
    invoice = services.invoice_issue(invoice=request(purchase, sales_manager), by=accountant)
    assert invoice.tax_total == D("0.08") and invoice.gross_total == D("0.47")
    assert sum(line.tax_amount for line in InvoiceLine.objects.filter(invoice=invoice)) == D("0.08")


def test_prices_entered_gross_take_the_tax_out(settings, sale, sales_manager, accountant):
    settings.PRICES_INCLUDE_TAX = True
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    # 300.00 incl. 20% -> tax 50.00; 30.00 incl. 10% -> tax 2.73 (2.7272...)
    assert (invoice.net_total, invoice.tax_total, invoice.gross_total) == (D("277.27"), D("52.73"), D("330.00"))


def test_a_credit_that_leaves_nothing_to_pay_after_a_part_payment_marks_the_invoice_paid(
    sale, sales_manager, accountant, product
):
    invoice = services.invoice_issue(invoice=request(sale, sales_manager), by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=D("273.00"), paid_on=None, by=accountant)
    give_back(sale, sales_manager, **{product.sku: "1"})
    services.credit_note_issue(credit_note=CreditNote.objects.get(), by=accountant)
    invoice.refresh_from_db()
    assert invoice.balance == ZERO and invoice.status == "paid" and invoice.paid_at

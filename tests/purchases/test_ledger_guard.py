"""The database protects the ledger (PostgreSQL): raw SQL that UPDATEs or DELETEs a ledger row, or rewrites an
issued invoice's number or totals, is refused by a trigger (crm/dbguard.py), whatever code sends it."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from crm.dbguard import APPEND_ONLY_SQLSTATE, is_append_only_violation
from purchases import services
from purchases.models import (
    CreditNote,
    CreditNoteLine,
    DiscountOverride,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    PriceOverride,
    Purchase,
    PurchaseLine,
    TierChange,
)
from purchases.services import LineInput, ReturnLineInput

from .factories import record_sale

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the append-only triggers)")


def _refused(sql: str, params=()) -> DatabaseError:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert is_append_only_violation(caught.value), caught.value
    return caught.value


def _passes(sql: str, params=()) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.fixture
def ledger(tiers, client_obj, product, sales_manager, administrator, accountant):
    """One row in every protected table."""
    sale = record_sale(client_obj, product, 10, by=sales_manager)  # crosses 1,000: a TierChange too
    services.purchase_discount_override(purchase=sale, percent=Decimal("7"), reason="loyal", by=administrator)
    cheap, _ = services.purchase_record(
        client=client_obj,
        lines=[LineInput(product=product, quantity=Decimal(1), unit_price=Decimal("1.00"), reason="sample")],
        by=sales_manager,
    )
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    invoice = services.invoice_issue(invoice=invoice, by=accountant)
    services.invoice_payment_record(
        invoice=invoice, amount=Decimal("10.00"), paid_on=timezone.localdate(), by=accountant
    )
    return {
        Purchase: sale.pk,
        PurchaseLine: sale.lines.first().pk,
        TierChange: TierChange.objects.filter(client=client_obj).first().pk,
        DiscountOverride: DiscountOverride.objects.get().pk,
        PriceOverride: PriceOverride.objects.get(purchase=cheap).pk,
        InvoicePayment: InvoicePayment.objects.get().pk,
        Invoice: invoice.pk,
    }


UPDATES = {
    Purchase: "net_total = 0",
    PurchaseLine: "unit_price = 0",
    TierChange: "explanation = 'rewritten'",
    DiscountOverride: "reason = 'rewritten'",
    PriceOverride: "reason = 'rewritten'",
    InvoicePayment: "amount = 1",
}


@pytest.mark.parametrize("model", list(UPDATES), ids=lambda m: m.__name__)
def test_raw_update_and_delete_of_a_ledger_row_are_refused(ledger, model):
    table, pk = model._meta.db_table, ledger[model]
    error = _refused(f"UPDATE {table} SET {UPDATES[model]} WHERE id = %s", [pk])
    assert error.__cause__.pgcode == APPEND_ONLY_SQLSTATE and "append-only" in str(error)
    _refused(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert model.objects.filter(pk=pk).exists()


def test_the_orm_cannot_rewrite_a_sale_either(ledger):
    with pytest.raises(DatabaseError), transaction.atomic():
        Purchase.objects.filter(pk=ledger[Purchase]).update(note="edited")


def test_an_issued_invoice_keeps_its_number_and_totals_while_its_status_moves(ledger):
    pk, table = ledger[Invoice], Invoice._meta.db_table
    for change in ("number = 'X-1'", "net_total = net_total + 1", "gross_total = 0", "client_id = client_id + 1"):
        error = _refused(f"UPDATE {table} SET {change} WHERE id = %s", [pk])
        assert "is frozen" in str(error)
    _refused(f"DELETE FROM {table} WHERE id = %s", [pk])
    _refused("DELETE FROM purchases_invoice_purchases WHERE invoice_id = %s", [pk])
    assert _passes(f"UPDATE {table} SET status = 'sent', sent_at = now() WHERE id = %s", [pk]) == 1
    assert Invoice.objects.get(pk=pk).status == "sent"


def test_a_request_not_yet_issued_still_changes_and_can_go(tiers, client_obj, product, sales_manager):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    assert _passes("UPDATE purchases_invoice SET net_total = 1 WHERE id = %s", [invoice.pk]) == 1
    assert _passes("DELETE FROM purchases_invoice_purchases WHERE invoice_id = %s", [invoice.pk]) == 1
    assert _passes("DELETE FROM purchases_invoice WHERE id = %s", [invoice.pk]) == 1


def test_sending_paying_and_voiding_issued_invoices_still_work(ledger, client_obj, product, sales_manager, accountant):
    invoice = services.invoice_mark_sent(invoice=Invoice.objects.get(pk=ledger[Invoice]), by=accountant)
    services.invoice_payment_record(
        invoice=invoice, amount=invoice.balance, paid_on=timezone.localdate(), by=accountant
    )
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    other = services.invoice_request(
        client=client_obj, purchases=[record_sale(client_obj, product, 1, by=sales_manager)], by=sales_manager
    )
    other = services.invoice_issue(invoice=other, by=accountant)
    services.invoice_void(invoice=other, by=accountant, reason="wrong address")
    voided = Invoice.objects.get(pk=other.pk)
    assert voided.status == Invoice.Status.VOID and voided.number == other.number
    note = CreditNote.objects.get(invoice=voided, reason=CreditNote.Reason.VOID)  # voiding issues a credit note
    assert note.number and voided.credited_total == note.gross_total == voided.gross_total


@pytest.fixture
def documents(ledger, client_obj, sales_manager, accountant):
    """The invoice's sale partly returned after issue: an issued credit note (with its lines) of the invoice, and a
    second return whose credit note is still a request."""
    invoice = Invoice.objects.get(pk=ledger[Invoice])
    sale = Purchase.objects.get(pk=ledger[Purchase])
    line = sale.lines.get()
    first, _ = services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=line, quantity=Decimal(1))]
    )
    issued = services.credit_note_issue(credit_note=first.credit_note, by=accountant)
    second, _ = services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=line, quantity=Decimal(1))]
    )
    return {
        "invoice": invoice,
        InvoiceLine: invoice.lines.first().pk,
        CreditNoteLine: issued.lines.first().pk,
        CreditNote: issued.pk,
        "requested": second.credit_note.pk,
    }


@pytest.mark.parametrize(
    ("model", "change"),
    [(InvoiceLine, "net_amount = 0"), (CreditNoteLine, "gross_amount = 0")],
    ids=["InvoiceLine", "CreditNoteLine"],
)
def test_document_lines_are_append_only(documents, model, change):
    table, pk = model._meta.db_table, documents[model]
    assert "append-only" in str(_refused(f"UPDATE {table} SET {change} WHERE id = %s", [pk]))
    _refused(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert model.objects.filter(pk=pk).exists()


def test_an_issued_credit_note_keeps_its_number_invoice_and_totals(documents):
    pk, table = documents[CreditNote], CreditNote._meta.db_table
    for change in (
        "number = 'CN-X'",
        "invoice_id = invoice_id + 1",
        "entry_id = NULL",
        "net_total = 0",
        "tax_total = tax_total + 1",
        "gross_total = 0",
        "reason = 'void'",
    ):
        assert "is frozen" in str(_refused(f"UPDATE {table} SET {change} WHERE id = %s", [pk]))
    _refused(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert _passes(f"UPDATE {table} SET status = 'void', note = 'x' WHERE id = %s", [pk]) == 1
    requested = documents["requested"]  # not numbered yet: still a request, its row editable (its lines, written
    # with the request, are append-only like every document line)
    assert _passes(f"UPDATE {table} SET gross_total = 1, reason = 'void' WHERE id = %s", [requested]) == 1


def test_an_issued_invoices_docs_figures_are_frozen_but_credit_and_status_move(documents):
    invoice = documents["invoice"]
    table = Invoice._meta.db_table
    for change in ("list_total = 0", "tax_total = tax_total + 1", "issued_at = now()", "issued_by_id = NULL"):
        assert "is frozen" in str(_refused(f"UPDATE {table} SET {change} WHERE id = %s", [invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.credited_total > 0  # the credit note's issue moved it
    assert (
        _passes(
            f"UPDATE {table} SET credited_total = credited_total + 1, status = 'paid', paid_at = now(), "
            "amount_paid = 5 WHERE id = %s",
            [invoice.pk],
        )
        == 1
    )

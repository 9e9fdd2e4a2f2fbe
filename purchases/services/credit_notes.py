"""Credit notes: an issued invoice is never changed; what is returned or corrected after its issue is credited.

- `credit_note_request_for_entry(entry=...)`: the ledger calls it right after writing a return or a discount
  correction. When the sale is on an issued invoice, a credit note request is created (lines linked to the
  entry's lines, at the invoice lines' tax rates, amounts = what the entry takes off, so its totals equal the
  returned entries); accountants see it in their queue, due like an invoice request. When the sale is on an
  invoice request not issued yet, the request's estimate is refreshed (the invoice is fixed at issue).
- `credit_note_issue`: an accountant issues it; the number comes from the credit notes' own gapless yearly
  series (CreditNoteCounter, CN-2026-000001) in the issuing transaction, and the invoice's credited_total moves.
- `credit_note_for_void`: voiding an issued invoice credits whatever is left of it, issued at once.

Nothing here updates or deletes a credit note's lines or totals, nor an issued one's number."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError, ConflictError
from crm.money import ZERO, money
from crm.roles import Role, has_role

from ..models import CreditNote, CreditNoteCounter, CreditNoteLine, Invoice, InvoiceLine, Purchase
from .documents import QTY, basis_amount, due_at, number_next, sales_figures
from .settlement import invoice_settle
from .tax import TaxInput, tax_compute_configured

CREDIT_NOTE_PREFIX = "CN-"
REASON_OF_KIND = {
    Purchase.Kind.RETURN: CreditNote.Reason.RETURN,
    Purchase.Kind.CORRECTION: CreditNote.Reason.CORRECTION,
}


def credit_note_counter_next(*, year: int) -> str:
    """The next credit note number of the year, e.g. CN-2026-000007 (call inside the issuing transaction)."""
    return number_next(counter_model=CreditNoteCounter, year=year, prefix=CREDIT_NOTE_PREFIX)


def _credited_so_far(invoice_lines) -> dict[int, dict]:
    """Per invoice line: what its credit notes (requested or issued) already take."""
    done = defaultdict(lambda: {"net": ZERO, "tax": ZERO, "gross": ZERO, "q": Decimal(0)})
    for row in (
        CreditNoteLine.objects.filter(invoice_line__in=invoice_lines)
        .values("invoice_line_id")
        .annotate(n=Sum("net_amount"), t=Sum("tax_amount"), g=Sum("gross_amount"), q=Sum("quantity"))
    ):
        done[row["invoice_line_id"]] = {
            "net": money(row["n"]),
            "tax": money(row["t"]),
            "gross": money(row["g"]),
            "q": Decimal(row["q"]).quantize(QTY),
        }
    return done


def invoice_for_sale_locked(sale_id: int) -> Invoice | None:
    """The invoice (requested or issued, not void) that holds the sale, locked."""
    return (
        Invoice.objects.select_for_update(of=("self",))
        .filter(purchases__pk=sale_id)
        .exclude(status=Invoice.Status.VOID)
        .first()
    )


def invoice_estimate_refresh(invoice: Invoice) -> None:
    """A request not issued yet shows what its sales come to now (the caller holds the invoice's lock)."""
    figures = sales_figures(invoice.purchases.all())
    invoice.list_total, invoice.discount_amount = figures.list_total, figures.discount
    invoice.net_total, invoice.tax_total, invoice.gross_total = figures.net, figures.tax, figures.gross
    invoice.save(update_fields=["list_total", "discount_amount", "net_total", "tax_total", "gross_total", "updated_at"])


def credit_note_request_for_entry(*, entry: Purchase) -> CreditNote | None:
    """Called by the ledger after a return or correction entry is written (same transaction). See the module
    docstring; answers the credit note request, or None when nothing had been issued for the sale."""
    if entry.kind not in REASON_OF_KIND or entry.original_id is None:
        return None
    invoice = invoice_for_sale_locked(entry.original_id)
    if invoice is None:
        return None
    if invoice.status == Invoice.Status.REQUESTED:
        invoice_estimate_refresh(invoice)
        return None
    invoiced = invoice.lines.filter(purchase_line__purchase=entry.original_id)
    by_sale_line = {line.purchase_line_id: line for line in invoiced}
    entry_lines = [line for line in entry.lines.select_related("product") if line.original_line_id in by_sale_line]
    credits = [(line, by_sale_line[line.original_line_id], -line.net_amount) for line in entry_lines]
    credits = [c for c in credits if c[2] != 0]
    if sum((amount for _, _, amount in credits), ZERO) <= 0:
        return None  # nothing taken off (a correction that raises the price is not credited)
    taxed = tax_compute_configured([TaxInput(amount=amount, rate=inv.tax_rate) for _, inv, amount in credits])
    done = _credited_so_far([inv for _, inv, _ in credits])
    rows = []
    for (line, inv, amount), t in zip(credits, taxed.lines, strict=True):
        net, tax, gross = t.net, t.tax, t.gross
        already = done[inv.pk]
        if amount == basis_amount(inv) - basis_amount(already):
            # the last of the invoice line: exactly what is left of it, tax included, so a line credited in
            # several steps adds up to the invoice line to the cent
            net, tax, gross = (
                inv.net_amount - already["net"],
                inv.tax_amount - already["tax"],
                inv.gross_amount - already["gross"],
            )
        rows.append(
            CreditNoteLine(
                invoice_line=inv,
                purchase_line=line,
                product=line.product,
                description=inv.description,
                quantity=-line.quantity,
                unit_price=line.unit_price,
                net_amount=net,
                tax_rate=inv.tax_rate,
                tax_amount=tax,
                gross_amount=gross,
            )
        )
    now = timezone.now()
    return _credit_note_create(
        invoice=invoice,
        entry=entry,
        reason=REASON_OF_KIND[entry.kind],
        note=entry.note or entry.discount_override_reason,
        by=entry.recorded_by,
        at=now,
        rows=rows,
    )


def _credit_note_create(*, invoice, entry, reason, note, by, at, rows) -> CreditNote:
    note_row = CreditNote.objects.create(
        invoice=invoice,
        entry=entry,
        reason=reason,
        note=note or "",
        requested_by=by,
        requested_at=at,
        due_at=due_at(at),
        net_total=sum((r.net_amount for r in rows), ZERO),
        tax_total=sum((r.tax_amount for r in rows), ZERO),
        gross_total=sum((r.gross_amount for r in rows), ZERO),
    )
    for row in rows:
        row.credit_note = note_row
    CreditNoteLine.objects.bulk_create(rows)
    return note_row


def _require_accountant(by):
    if not has_role(by, Role.ACCOUNTANT):
        raise ApplicationError(gettext("Only accountants issue credit notes."), code="forbidden")


def _issue(note: CreditNote, *, by, invoice: Invoice, at) -> CreditNote:
    """Number and issue a locked credit note; the invoice (locked by the caller) is credited."""
    note.number = credit_note_counter_next(year=timezone.localdate(at).year)
    note.status = CreditNote.Status.ISSUED
    note.issued_by, note.issued_at = by, at
    note.save(update_fields=["number", "status", "issued_by", "issued_at", "updated_at"])
    invoice.credited_total += note.gross_total
    # what was paid may now cover what is left to pay after the credit (paid), or exceed it (refund due)
    invoice_settle(invoice, ["credited_total"], at=at)
    return note


@transaction.atomic
def credit_note_issue(*, credit_note: CreditNote, by) -> CreditNote:
    """An accountant issues a requested credit note: the next number of the year's credit-note series, taken in
    this transaction; it cannot happen twice."""
    _require_accountant(by)
    note = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
    if note.status != CreditNote.Status.REQUESTED:
        raise ConflictError(gettext("This credit note is already issued (%(number)s).") % {"number": note.number})
    invoice = Invoice.objects.select_for_update().get(pk=note.invoice_id)
    now = timezone.now()
    _issue(note, by=by, invoice=invoice, at=now)
    from crm.notifications import services as notification_services

    with notification_services.in_user_language(note.requested_by):
        notification_services.notification_enqueue_for_user(
            user=note.requested_by,
            event="credit_note_issued",
            dedup_key=f"credit_note_issued:{note.pk}",
            subject=gettext("Credit note %(number)s for invoice %(number2)s is issued")
            % {"number": note.number, "number2": invoice.number},
            body=gettext("The credit of %(gross_total)s was issued by %(get_full_name_or_by)s.")
            % {"gross_total": note.gross_total, "get_full_name_or_by": by.get_full_name() or by},
            context={"credit_note_id": note.pk, "number": note.number, "invoice_id": invoice.pk},
        )
    return note


def credit_note_for_void(*, invoice: Invoice, by, reason: str) -> CreditNote | None:
    """Voiding an issued invoice (the caller holds its lock): a credit note for whatever of each line no credit
    note (requested or issued) takes yet, issued at once. None when nothing is left."""
    lines = list(InvoiceLine.objects.filter(invoice=invoice).select_related("product"))
    done = _credited_so_far(lines)
    rows = []
    for line in lines:
        already = done[line.pk]
        net, tax = line.net_amount - already["net"], line.tax_amount - already["tax"]
        gross = line.gross_amount - already["gross"]
        if net == 0 and tax == 0 and gross == 0:
            continue
        rows.append(
            CreditNoteLine(
                invoice_line=line,
                product=line.product,
                description=line.description,
                quantity=line.quantity - already["q"],
                unit_price=line.unit_price,
                net_amount=net,
                tax_rate=line.tax_rate,
                tax_amount=tax,
                gross_amount=gross,
            )
        )
    if not rows:
        return None
    now = timezone.now()
    note = _credit_note_create(
        invoice=invoice, entry=None, reason=CreditNote.Reason.VOID, note=reason, by=by, at=now, rows=rows
    )
    return _issue(note, by=by, invoice=invoice, at=now)

"""The one money model of an issued invoice (see purchases/README.md, "Balance and status"):

    balance = gross_total - credited_total - amount_paid + amount_refunded

positive: the client still owes it; negative: money is due back to the client (a credit note on a paid
invoice), which a refund brings back toward 0. The status follows the money, whatever moved it (a payment, a
refund, a credit note): refunded when everything paid was paid back, partially refunded when part of it was,
paid when payments cover what is left after credit notes, else issued/sent. Requested and void invoices are
not touched. Payments (payments.py) and credit notes (credit_notes.py) both settle through here."""

from django.utils import timezone

from ..models import Invoice

SETTLED_BY_MONEY = (
    Invoice.Status.ISSUED,
    Invoice.Status.SENT,
    Invoice.Status.PAID,
    Invoice.Status.PARTIALLY_REFUNDED,
    Invoice.Status.REFUNDED,
)


def invoice_settle_status(invoice: Invoice) -> str:
    """The status the invoice's money gives it (an issued invoice; requested and void keep theirs)."""
    if invoice.status not in SETTLED_BY_MONEY:
        return invoice.status
    if invoice.amount_refunded > 0:
        if invoice.amount_refunded >= invoice.amount_paid:
            return Invoice.Status.REFUNDED
        return Invoice.Status.PARTIALLY_REFUNDED
    if invoice.amount_paid > 0 and invoice.balance <= 0:
        return Invoice.Status.PAID
    return Invoice.Status.SENT if invoice.sent_at else Invoice.Status.ISSUED


def invoice_settle(invoice: Invoice, fields: list[str], *, at=None) -> None:
    """Save `fields` of a locked invoice with the status its money gives it (paid_at set the first time)."""
    status = invoice_settle_status(invoice)
    fields = list(fields)
    if status == Invoice.Status.PAID and invoice.paid_at is None:
        invoice.paid_at = at or timezone.now()
        fields.append("paid_at")
    if status != invoice.status:
        invoice.status = status
        fields.append("status")
    invoice.save(update_fields=[*dict.fromkeys(fields), "updated_at"])

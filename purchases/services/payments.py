"""Money against an invoice: payments received and refunds paid back. Both are append-only rows written under
the invoice's row lock, so concurrent posts queue up and each sees the balance the one before left; both may
carry an `external_id` (the ERP's or the bank's id), and a repeat answers the row recorded the first time
(idempotency.write_once), whoever wins the race.

Balance and status follow the one model of settlement.py: balance = gross - credited - paid + refunded; a
payment never exceeds a positive balance. A refund never exceeds what was paid and not refunded; once the
invoice has issued credit notes (or the refund is recorded against a credit note) it never exceeds what is due
back either (minus the balance), and against a credit note not more than that note's gross total less the
refunds already recorded against it. A refund against a credit note is recorded on the note's invoice too.
A paid invoice is corrected by a credit note plus a refund, never by editing it."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError, ConflictError
from crm.money import ZERO, money
from crm.roles import Role, has_role

from .. import events
from ..models import CreditNote, Invoice, InvoicePayment, PaymentMethod, Refund
from .idempotency import KeyTaken, write_once
from .settlement import invoice_settle

ACCOUNTANT_ROLES = (Role.ACCOUNTANT,)
# Statuses where money can move: an issued invoice, sent or not, and what the money made of it.
PAYABLE = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PARTIALLY_REFUNDED, Invoice.Status.REFUNDED)
REFUNDABLE = (*PAYABLE, Invoice.Status.PAID)


def require_accountant(by) -> None:
    if not has_role(by, *ACCOUNTANT_ROLES):
        raise ApplicationError(gettext("Only accountants handle invoices."), code="forbidden")


def invoice_can_pay(invoice: Invoice) -> bool:
    return invoice.status in PAYABLE and invoice.balance > 0


def invoice_refund_limit(invoice: Invoice, *, credit_note: CreditNote | None = None) -> Decimal:
    """The most that may be refunded now: what was paid and not refunded; with issued credit notes (or against
    a credit note) no more than is due back to the client; against a credit note no more than what of it was
    not refunded yet."""
    limit = invoice.refundable
    if credit_note is not None or invoice.credited_total > 0:
        limit = min(limit, invoice.refund_due)
    if credit_note is not None:
        done = credit_note.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
        limit = min(limit, credit_note.gross_total - done)
    return max(limit, ZERO)


def invoice_can_refund(invoice: Invoice) -> bool:
    return invoice.status in REFUNDABLE and invoice_refund_limit(invoice) > 0


def credit_note_can_refund(note: CreditNote) -> bool:
    return (
        note.status == CreditNote.Status.ISSUED
        and note.invoice.status in REFUNDABLE
        and invoice_refund_limit(note.invoice, credit_note=note) > 0
    )


def invoice_lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)


def _settle(invoice: Invoice, fields: list[str]) -> None:
    invoice_settle(invoice, fields)  # the status follows the money (settlement.py)


def _clean_key(external_id: str | None) -> str | None:
    return (external_id or "").strip() or None


def _check_amount_and_date(amount: Decimal, on: date, field: str) -> Decimal:
    amount = money(amount)
    if amount <= 0:
        raise ApplicationError(gettext("The amount must be more than zero."), field="amount")
    if on > timezone.localdate():
        raise ApplicationError(gettext("The date cannot be in the future."), field=field)
    return amount


def _check_method(method: str, *, blank_ok: bool) -> str:
    method = (method or "").strip()
    if (method or not blank_ok) and method not in PaymentMethod.values:
        raise ApplicationError(
            gettext("Choose a method: %(join)s.") % {"join": ", ".join(PaymentMethod.values)}, field="method"
        )
    return method


def _same_invoice(existing, invoice: Invoice) -> None:
    if existing.invoice_id != invoice.pk:
        raise ConflictError(gettext("This external_id was already used for another invoice."), field="external_id")


def _same_document(existing: Refund, invoice: Invoice, credit_note: CreditNote | None) -> None:
    _same_invoice(existing, invoice)
    if existing.credit_note_id != (credit_note.pk if credit_note else None):
        raise ConflictError(gettext("This external_id was already used for another refund."), field="external_id")


# --- payments ----------------------------------------------------------------------------------------------


@transaction.atomic
def invoice_payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date | None,
    by,
    method: str = "",
    reference: str = "",
    external_id: str | None = None,
) -> tuple[InvoicePayment, bool]:
    """A payment (partial or whole): `(payment, created)`. Refused over the open balance. A repeated
    `external_id` answers the first payment with created=False (the same id on another invoice is a 409)."""
    require_accountant(by)
    key = _clean_key(external_id)
    return write_once(
        key=key,
        find=lambda k: InvoicePayment.objects.filter(external_id=k).first(),
        same_request=lambda existing: _same_invoice(existing, invoice),
        write=lambda: _payment_write(
            invoice=invoice, amount=amount, paid_on=paid_on, by=by, method=method, reference=reference, key=key
        ),
    )


def _payment_write(*, invoice, amount, paid_on, by, method, reference, key) -> InvoicePayment:
    invoice = invoice_lock(invoice)
    if key and InvoicePayment.objects.filter(external_id=key).exists():
        raise KeyTaken(key)  # a concurrent post of the same id got the lock first: answer its payment
    if invoice.status not in PAYABLE:
        raise ApplicationError(gettext("Payments can be recorded on issued or sent invoices only."), field="amount")
    paid_on = paid_on or timezone.localdate()
    amount = _check_amount_and_date(amount, paid_on, "paid_on")
    if amount > invoice.balance:
        raise ApplicationError(
            gettext("Only %(balance)s is left to pay.") % {"balance": invoice.balance}, field="amount"
        )
    payment = InvoicePayment.objects.create(
        invoice=invoice,
        paid_on=paid_on,
        amount=amount,
        method=_check_method(method, blank_ok=True),
        reference=(reference or "").strip()[:100],
        external_id=key,
        recorded_by=by,
    )
    invoice.amount_paid += amount
    was = invoice.status
    _settle(invoice, ["amount_paid"])
    if invoice.status == Invoice.Status.PAID and was != Invoice.Status.PAID:
        events.invoice_event("invoice.paid", invoice)
    return payment


# --- refunds -----------------------------------------------------------------------------------------------


@transaction.atomic
def invoice_refund_record(
    *,
    invoice: Invoice | None = None,
    credit_note: CreditNote | None = None,
    amount: Decimal,
    refunded_on: date | None,
    by,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    external_id: str | None = None,
) -> tuple[Refund, bool]:
    """Pay money back against a paid invoice or against an issued credit note (then on its invoice):
    `(refund, created)`. Within `invoice_refund_limit`; the invoice's status follows (partially refunded,
    refunded). Idempotent by `external_id`."""
    require_accountant(by)
    if credit_note is not None:
        invoice = credit_note.invoice
    elif invoice is None:
        raise ApplicationError(gettext("Say which invoice or credit note the refund is for."), field="invoice")
    key = _clean_key(external_id)
    return write_once(
        key=key,
        find=lambda k: Refund.objects.filter(external_id=k).first(),
        same_request=lambda existing: _same_document(existing, invoice, credit_note),
        write=lambda: _refund_write(
            invoice=invoice,
            credit_note=credit_note,
            amount=amount,
            refunded_on=refunded_on,
            by=by,
            method=method,
            reference=reference,
            key=key,
        ),
    )


def _refund_write(*, invoice, credit_note, amount, refunded_on, by, method, reference, key) -> Refund:
    invoice = invoice_lock(invoice)
    if key and Refund.objects.filter(external_id=key).exists():
        raise KeyTaken(key)
    if credit_note is not None:
        credit_note = CreditNote.objects.get(pk=credit_note.pk)  # read under the invoice's lock
        if credit_note.status != CreditNote.Status.ISSUED:
            raise ApplicationError(
                gettext("Refunds can be recorded against issued credit notes only."), field="credit_note"
            )
    if invoice.status not in REFUNDABLE:
        raise ApplicationError(gettext("Refunds can be recorded on issued invoices only."), field="amount")
    refunded_on = refunded_on or timezone.localdate()
    amount = _check_amount_and_date(amount, refunded_on, "refunded_on")
    if invoice.refundable <= 0:
        raise ApplicationError(
            gettext("Nothing was paid on this invoice that was not refunded already."), field="amount"
        )
    limit = invoice_refund_limit(invoice, credit_note=credit_note)
    if limit <= 0:
        raise ApplicationError(gettext("Nothing is due back to the client on this invoice."), field="amount")
    if amount > limit:
        raise ApplicationError(gettext("At most %(limit)s can be refunded.") % {"limit": limit}, field="amount")
    refund = Refund.objects.create(
        invoice=invoice,
        credit_note=credit_note,
        refunded_on=refunded_on,
        amount=amount,
        method=_check_method(method, blank_ok=False),
        reference=(reference or "").strip()[:100],
        external_id=key,
        recorded_by=by,
    )
    invoice.amount_refunded += amount
    _settle(invoice, ["amount_refunded"])
    return refund

"""Money against an invoice: payments received and refunds paid back. Both are append-only rows written under
the invoice's row lock, so concurrent posts queue up and each sees the balance the one before left; both may
carry an `external_id` (the ERP's or the bank's id), and a repeat answers the row recorded the first time
(idempotency.write_once), whoever wins the race.

Status follows the money (`invoice_settle_status`): paid once payments reach the net total; partially refunded
or refunded once refunds exist (refunded when everything paid was paid back). A paid invoice is corrected by a
credit note plus a refund, never by editing it."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError
from crm.money import money
from crm.roles import Role, has_role

from ..models import Invoice, InvoicePayment, PaymentMethod, Refund
from .idempotency import KeyTaken, write_once

ACCOUNTANT_ROLES = (Role.ACCOUNTANT,)
# Statuses where money can move: an issued invoice, sent or not, and what the money made of it.
PAYABLE = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PARTIALLY_REFUNDED, Invoice.Status.REFUNDED)
REFUNDABLE = (*PAYABLE, Invoice.Status.PAID)


def require_accountant(by) -> None:
    if not has_role(by, *ACCOUNTANT_ROLES):
        raise ApplicationError("Only accountants handle invoices.", code="forbidden")


def invoice_can_pay(invoice: Invoice) -> bool:
    return invoice.status in PAYABLE and invoice.balance > 0


def invoice_can_refund(invoice: Invoice) -> bool:
    return invoice.status in REFUNDABLE and invoice.refundable > 0


def invoice_lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)


def invoice_settle_status(invoice: Invoice) -> str:
    """The status the invoice's money gives it (for an issued invoice; requested and void are not touched)."""
    if invoice.amount_refunded > 0:
        if invoice.amount_refunded >= invoice.amount_paid:
            return Invoice.Status.REFUNDED
        return Invoice.Status.PARTIALLY_REFUNDED
    if invoice.amount_paid >= invoice.net_total:
        return Invoice.Status.PAID
    return Invoice.Status.SENT if invoice.sent_at else Invoice.Status.ISSUED


def _settle(invoice: Invoice, fields: list[str]) -> None:
    status = invoice_settle_status(invoice)
    if status == Invoice.Status.PAID and invoice.paid_at is None:
        invoice.paid_at = timezone.now()
        fields.append("paid_at")
    if status != invoice.status:
        invoice.status = status
        fields.append("status")
    invoice.save(update_fields=[*fields, "updated_at"])


def _clean_key(external_id: str | None) -> str | None:
    return (external_id or "").strip() or None


def _check_amount_and_date(amount: Decimal, on: date, field: str) -> Decimal:
    amount = money(amount)
    if amount <= 0:
        raise ApplicationError("The amount must be more than zero.", field="amount")
    if on > timezone.localdate():
        raise ApplicationError("The date cannot be in the future.", field=field)
    return amount


def _check_method(method: str, *, blank_ok: bool) -> str:
    method = (method or "").strip()
    if (method or not blank_ok) and method not in PaymentMethod.values:
        raise ApplicationError(f"Choose a method: {', '.join(PaymentMethod.values)}.", field="method")
    return method


def _same_invoice(existing, invoice: Invoice) -> None:
    if existing.invoice_id != invoice.pk:
        raise ConflictError("This external_id was already used for another invoice.", field="external_id")


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
        raise ApplicationError("Payments can be recorded on issued or sent invoices only.", field="amount")
    paid_on = paid_on or timezone.localdate()
    amount = _check_amount_and_date(amount, paid_on, "paid_on")
    if amount > invoice.balance:
        raise ApplicationError(f"Only {invoice.balance} is left to pay.", field="amount")
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
    _settle(invoice, ["amount_paid"])
    return payment


# --- refunds -----------------------------------------------------------------------------------------------


@transaction.atomic
def invoice_refund_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    refunded_on: date | None,
    by,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    external_id: str | None = None,
) -> tuple[Refund, bool]:
    """Pay money back against a paid or partly paid invoice: `(refund, created)`. Never more than was paid
    and not yet refunded; the invoice turns partially refunded or refunded. Idempotent by `external_id`."""
    require_accountant(by)
    key = _clean_key(external_id)
    return write_once(
        key=key,
        find=lambda k: Refund.objects.filter(external_id=k).first(),
        same_request=lambda existing: _same_invoice(existing, invoice),
        write=lambda: _refund_write(
            invoice=invoice, amount=amount, refunded_on=refunded_on, by=by, method=method, reference=reference, key=key
        ),
    )


def _refund_write(*, invoice, amount, refunded_on, by, method, reference, key) -> Refund:
    invoice = invoice_lock(invoice)
    if key and Refund.objects.filter(external_id=key).exists():
        raise KeyTaken(key)
    if invoice.status not in REFUNDABLE:
        raise ApplicationError("Refunds can be recorded on issued invoices only.", field="amount")
    refunded_on = refunded_on or timezone.localdate()
    amount = _check_amount_and_date(amount, refunded_on, "refunded_on")
    if invoice.refundable <= 0:
        raise ApplicationError("Nothing was paid on this invoice that was not refunded already.", field="amount")
    if amount > invoice.refundable:
        raise ApplicationError(f"At most {invoice.refundable} can be refunded.", field="amount")
    refund = Refund.objects.create(
        invoice=invoice,
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

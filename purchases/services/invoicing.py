"""Invoice services: request, claim, issue (gapless yearly numbers), void with a credit note. Payments and
refunds are in payments.py, sending in sending.py.

An invoice covers sales in the ledger. Until it is issued its figures are an estimate read from the ledger (each
sale line net of its returns and corrections, taxed at the rate in force on the sale date), refreshed when a
return or correction is recorded; at issue its InvoiceLine rows are written from the ledger as it stands and
its totals (net, tax, gross) are fixed from them. After that nothing changes it: a later return or correction
gives a credit note (credit_notes.py). A sale with nothing left (fully returned) cannot be invoiced.

Numbering: one InvoiceCounter row per year, locked with SELECT ... FOR UPDATE while the next number is taken
in the issuing transaction, so a rollback gives the number back and two accountants never get the same one.
Credit notes have their own series (CreditNoteCounter)."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from clients import selectors as client_selectors
from crm.exceptions import ApplicationError, ConflictError
from crm.internal_requests import services as internal_requests
from crm.roles import Role, has_role

from .. import events
from ..models import Invoice, InvoiceCounter, InvoiceLine, Purchase
from .credit_notes import credit_note_for_void
from .documents import due_at, number_next, refuse_fully_returned, sales_figures

ACCOUNTANT_ROLES = (Role.ACCOUNTANT,)
# Invoice requests are internal requests of this source (registered in purchases.apps).
INTERNAL_SOURCE = "invoice"


def invoice_counter_next(*, year: int) -> str:
    """The next number of the year's series, e.g. 2026-000123. Call inside the transaction that uses it."""
    return number_next(counter_model=InvoiceCounter, year=year)


@transaction.atomic
def invoice_request(*, client, purchases: Iterable[Purchase], by, note: str = "") -> Invoice:
    """A sales manager asks for an invoice covering some sales of one client; accountants see it at once."""
    purchases = list(purchases)
    if not purchases:
        raise ApplicationError(gettext("Choose at least one purchase."), field="purchases")
    ids = {p.pk for p in purchases}
    found = list(Purchase.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(found) != len(ids):
        raise ApplicationError(gettext("Unknown purchase."), field="purchases")
    if client.merged_into_id:
        raise ApplicationError(
            gettext("This client was merged into client #%(merged_into_id)s.")
            % {"merged_into_id": client.merged_into_id},
            field="client",
        )
    lineage = set(client_selectors.client_lineage_ids(client=client))  # a merged-away client's sales included
    if any(p.client_id not in lineage for p in found):
        raise ApplicationError(gettext("All purchases must belong to the client."), field="purchases")
    if any(p.kind != Purchase.Kind.SALE for p in found):
        raise ApplicationError(gettext("Only sales can be invoiced."), field="purchases")
    taken = (
        Invoice.purchases.through.objects.filter(purchase__in=found)
        .exclude(invoice__status=Invoice.Status.VOID)
        .values_list("purchase_id", flat=True)
    )
    if taken:
        raise ApplicationError(
            gettext("Already on an invoice: purchase #%(join)s.")
            % {"join": ", #".join(str(t) for t in sorted(set(taken)))},
            field="purchases",
        )
    figures = sales_figures(found)
    refuse_fully_returned(figures)
    now = timezone.now()
    invoice = Invoice.objects.create(
        client=client,
        requested_by=by,
        requested_at=now,
        due_at=due_at(now),
        note=(note or "").strip(),
        list_total=figures.list_total,
        discount_amount=figures.discount,
        net_total=figures.net,
        tax_total=figures.tax,
        gross_total=figures.gross,
    )
    invoice.purchases.set(found)
    # The request is also an internal request of the "invoice" kind: it waits in the accounting queue.
    internal_requests.source_opened(
        source=INTERNAL_SOURCE,
        source_id=invoice.pk,
        by=by,
        subject=_("Invoice for %(client)s") % {"client": client.name},
        details=invoice.note,
        due_at=invoice.due_at,
        at=now,
    )
    events.invoice_event("invoice.requested", invoice)
    return invoice


def _locked(invoice: Invoice) -> Invoice:
    # Lock the invoice row only (of=self): FOR UPDATE over the join would lock the client row too, after the
    # invoice, while a return locks the client (entries.entry_head_client_lock) before the invoice: a deadlock.
    return Invoice.objects.select_for_update(of=("self",)).select_related("client", "requested_by").get(pk=invoice.pk)


def _require_accountant(by):
    if not has_role(by, *ACCOUNTANT_ROLES):
        raise ApplicationError(gettext("Only accountants handle invoices."), code="permission")


@transaction.atomic
def invoice_claim(*, invoice: Invoice, by) -> Invoice:
    _require_accountant(by)
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.REQUESTED:
        raise ConflictError(gettext("This invoice was already issued or voided."))
    if invoice.claimed_by_id and invoice.claimed_by_id != by.pk:
        raise ConflictError(
            gettext("%(claimed_by)s already took this request.")
            % {"claimed_by": invoice.claimed_by.get_full_name() or invoice.claimed_by}
        )
    invoice.claimed_by = by
    invoice.claimed_at = timezone.now()
    invoice.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    internal_requests.source_taken(source=INTERNAL_SOURCE, source_id=invoice.pk, by=by)
    return invoice


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by) -> Invoice:
    """Issue a requested invoice: the next number of the year, in this transaction; it cannot happen twice."""
    _require_accountant(by)
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.REQUESTED:
        raise ConflictError(
            gettext("This invoice is already %(get_status_display)s (%(number)s).")
            % {"get_status_display": invoice.get_status_display().lower(), "number": invoice.number}
        )
    if invoice.claimed_by_id and invoice.claimed_by_id != by.pk:
        raise ConflictError(gettext("Another accountant claimed this request."))
    # The ledger as it stands: a return recorded meanwhile either committed before (it is read here) or waits
    # for this invoice's lock and then finds it issued (and asks for a credit note).
    figures = sales_figures(invoice.purchases.all())
    refuse_fully_returned(figures)
    now = timezone.now()
    invoice.number = invoice_counter_next(year=timezone.localdate(now).year)
    invoice.status = Invoice.Status.ISSUED
    invoice.issued_by = by
    invoice.issued_at = now
    if invoice.claimed_by_id is None:
        invoice.claimed_by, invoice.claimed_at = by, now
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                purchase_line=f.purchase_line,
                product=f.purchase_line.product,
                description=f.purchase_line.product.name,
                quantity=f.quantity,
                unit_price=f.purchase_line.unit_price,
                discount_amount=f.discount,
                net_amount=f.net,
                tax_rate=f.rate,
                tax_amount=f.tax,
                gross_amount=f.gross,
            )
            for f in figures.lines
        ]
    )
    invoice.list_total, invoice.discount_amount = figures.list_total, figures.discount
    invoice.net_total, invoice.tax_total, invoice.gross_total = figures.net, figures.tax, figures.gross
    invoice.save(
        update_fields=[
            "number",
            "status",
            "issued_by",
            "issued_at",
            "claimed_by",
            "claimed_at",
            "list_total",
            "discount_amount",
            "net_total",
            "tax_total",
            "gross_total",
            "updated_at",
        ]
    )
    from crm.notifications import services as notification_services

    with notification_services.in_user_language(invoice.requested_by):
        notification_services.notification_enqueue_for_user(
            user=invoice.requested_by,
            event="invoice_issued",
            dedup_key=f"invoice_issued:{invoice.pk}",
            subject=gettext("Invoice %(number)s for %(name)s is issued")
            % {"number": invoice.number, "name": invoice.client.name},
            body=gettext("The invoice you requested (%(gross_total)s) was issued by %(get_full_name_or_by)s.")
            % {"gross_total": invoice.gross_total, "get_full_name_or_by": by.get_full_name() or by},
            context={"invoice_id": invoice.pk, "number": invoice.number},
        )
    internal_requests.source_completed(
        source=INTERNAL_SOURCE,
        source_id=invoice.pk,
        by=by,
        note=_("Invoice %(number)s issued.") % {"number": invoice.number},
        at=now,
    )
    events.invoice_event("invoice.issued", invoice)
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, by, reason: str) -> Invoice:
    """Void an invoice. An issued one keeps its number and whatever of it no credit note takes yet is credited
    by a credit note from the credit notes' series, issued at once; a request not yet issued is simply
    cancelled (no number is used). An invoice with payments is not voided: it is corrected by a credit note
    (a return or a discount correction in the ledger) and the money goes back by a refund."""
    _require_accountant(by)
    if not (reason or "").strip():
        raise ApplicationError(gettext("Say why the invoice is voided."), field="reason")
    invoice = _locked(invoice)
    if invoice.status == Invoice.Status.VOID:
        raise ConflictError(gettext("This invoice is already void."))
    if invoice.amount_paid > 0:
        raise ApplicationError(
            gettext(
                "An invoice with payments cannot be voided: record the return or correction (a credit note follows) "
                "and refund the client."
            ),
            field="reason",
        )
    invoice.status = Invoice.Status.VOID
    invoice.voided_by = by
    invoice.voided_at = timezone.now()
    invoice.void_reason = reason.strip()
    invoice.save(update_fields=["status", "voided_by", "voided_at", "void_reason", "updated_at"])
    if invoice.number:
        credit_note_for_void(invoice=invoice, by=by, reason=invoice.void_reason)
    else:
        internal_requests.source_cancelled(
            source=INTERNAL_SOURCE, source_id=invoice.pk, by=by, note=invoice.void_reason
        )
    events.invoice_event("invoice.voided", invoice)
    return invoice


def invoices_remind_overdue(*, now=None) -> int:
    """Requests past their due time: remind every accountant and tell the requesting manager (once each)."""
    from crm.notifications import services as notification_services

    now = now or timezone.now()
    accountants = list(get_user_model().objects.filter(groups__name=Role.ACCOUNTANT, is_active=True))
    count = 0
    overdue = Invoice.objects.filter(
        status=Invoice.Status.REQUESTED, due_at__lt=now, overdue_notified_at__isnull=True
    ).select_related("client", "requested_by")
    for invoice in overdue:
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            if locked.status != Invoice.Status.REQUESTED or locked.overdue_notified_at:
                continue
            subject = f"Invoice request #{invoice.pk} for {invoice.client.name} is overdue"
            for accountant in accountants:
                notification_services.notification_enqueue_for_user(
                    user=accountant,
                    event="invoice_overdue",
                    dedup_key=f"invoice_overdue:{invoice.pk}",
                    subject=subject,
                    body=f"It was due at {timezone.localtime(invoice.due_at):%Y-%m-%d %H:%M}. Please issue it.",
                    context={"invoice_id": invoice.pk},
                )
            with notification_services.in_user_language(invoice.requested_by):
                notification_services.notification_enqueue_for_user(
                    user=invoice.requested_by,
                    event="invoice_overdue_requester",
                    dedup_key=f"invoice_overdue_requester:{invoice.pk}",
                    subject=subject,
                    body=gettext("The accountants have been reminded."),
                    context={"invoice_id": invoice.pk},
                )
            locked.overdue_notified_at = now
            locked.save(update_fields=["overdue_notified_at", "updated_at"])
            count += 1
    return count

"""Sending an invoice to the client. The email is queued in the outbox as a *service* message (not marketing:
a client who unsubscribed from news still gets it) carrying the invoice PDF, which the outbox renders through
the attachment producer purchases registers (`INVOICE_PDF`, see purchases/outbox.py) when the message goes
out. The invoice is marked sent only when the outbox reports that the message went out
(`invoice_send_outcome`, called by the delivery listener purchases registers); until then its `send_state`
is queued, and when nothing could go out (no address, delivery failed) it is failed with the reason, shown on
the invoice and in the accountants' queue. Sending again queues a new message (a new attempt)."""

from django.db import transaction
from django.utils import timezone

from clients import messaging as client_messaging
from crm.exceptions import ApplicationError, ConflictError
from crm.notifications.models import Notification

from ..models import Invoice
from .payments import invoice_lock, require_accountant

INVOICE_EVENT = "invoice_sent"
INVOICE_PDF = "purchases.invoice_pdf"  # the attachment producer's name (registered in purchases/outbox.py)
SENDABLE = (
    Invoice.Status.ISSUED,
    Invoice.Status.SENT,
    Invoice.Status.PAID,
    Invoice.Status.PARTIALLY_REFUNDED,
    Invoice.Status.REFUNDED,
)


@transaction.atomic
def invoice_send(*, invoice: Invoice, by) -> Invoice:
    """Queue the invoice email (with its PDF) to the client. The status turns sent once it went out."""
    require_accountant(by)
    invoice = invoice_lock(invoice)
    if invoice.status not in SENDABLE:
        raise ApplicationError("Only an issued invoice can be sent.", field="status")
    if invoice.send_state == Invoice.SendState.QUEUED:
        raise ConflictError("This invoice is already on its way to the client.")
    invoice.send_attempts += 1
    row = client_messaging.notification_enqueue_for_client(
        client=invoice.client,
        event=INVOICE_EVENT,
        dedup_key=f"{INVOICE_EVENT}:{invoice.pk}:{invoice.send_attempts}",
        subject=f"Invoice {invoice.number}",
        body=f"Please find attached invoice {invoice.number} for {invoice.net_total}.",
        context={
            "invoice_id": invoice.pk,
            "number": invoice.number,
            "total": str(invoice.net_total),
            "send_attempt": invoice.send_attempts,
        },
        channel=Notification.Channel.EMAIL,
        service=True,
        attachment=INVOICE_PDF,
    )
    if row.status == Notification.Status.SKIPPED:
        invoice.send_state, invoice.send_error = Invoice.SendState.FAILED, _reason(row.last_error)
    else:
        invoice.send_state, invoice.send_error = Invoice.SendState.QUEUED, ""
    invoice.save(update_fields=["send_attempts", "send_state", "send_error", "updated_at"])
    return invoice


# The name the invoice pages and API have always called.
invoice_mark_sent = invoice_send


def _reason(error: str) -> str:
    return (error or "the message could not be delivered").strip()[:500]


@transaction.atomic
def invoice_send_outcome(*, invoice_id: int, attempt: int | None, sent: bool, error: str = "", at=None) -> None:
    """What the outbox reported about an invoice email. A message that went out marks the invoice sent (an
    issued invoice turns "sent"; a paid one keeps its status). A failure is recorded only for the latest
    attempt, so an old message failing late does not hide a newer one's outcome."""
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None:
        return
    fields = ["send_state", "send_error"]
    if sent:
        invoice.send_state, invoice.send_error = Invoice.SendState.SENT, ""
        if invoice.sent_at is None:
            invoice.sent_at = at or timezone.now()
            fields.append("sent_at")
        if invoice.status == Invoice.Status.ISSUED:
            invoice.status = Invoice.Status.SENT
            fields.append("status")
    elif attempt == invoice.send_attempts:
        invoice.send_state, invoice.send_error = Invoice.SendState.FAILED, _reason(error)
    else:
        return
    invoice.save(update_fields=[*fields, "updated_at"])

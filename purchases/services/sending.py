"""Sending an invoice or a credit note to the client. The email is queued in the outbox as a *service*
message (purpose SERVICE in clients.messaging, not marketing: a client who unsubscribed from news still gets
it) carrying the PDF, which the outbox renders through the attachment producer purchases registers
(`INVOICE_PDF`, `CREDIT_NOTE_PDF`, see purchases/outbox.py) when the message goes out. The document is marked
sent only when the outbox reports that the message went out (`invoice_send_outcome`,
`credit_note_send_outcome`, called by the delivery listener purchases registers); until then its `send_state`
is queued, and when nothing could go out (no address, a service opt-out, delivery failed) it is failed with
the reason, shown on the document and (invoices) in the accountants' queue. Sending again queues a new message
(a new attempt). Issuing a credit note does not send it by itself: the accountant sends it, as an invoice."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from clients import messaging as client_messaging
from crm.exceptions import ApplicationError, ConflictError
from crm.money import money_display
from crm.notifications.models import Notification

from .. import events
from ..models import CreditNote, Invoice
from .payments import invoice_lock, require_accountant

INVOICE_EVENT = "invoice_sent"
INVOICE_PDF = "purchases.invoice_pdf"  # the attachment producer's name (registered in purchases/outbox.py)
CREDIT_NOTE_EVENT = "credit_note_sent"
CREDIT_NOTE_PDF = "purchases.credit_note_pdf"
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
        raise ApplicationError(gettext("Only an issued invoice can be sent."), field="status")
    if invoice.send_state == Invoice.SendState.QUEUED:
        raise ConflictError(gettext("This invoice is already on its way to the client."))
    with client_messaging.in_client_language(invoice.client):
        subject = _("Invoice %(number)s") % {"number": invoice.number}
        body = _("Please find attached invoice %(number)s for %(amount)s.") % {
            "number": invoice.number,
            "amount": money_display(invoice.gross_total),
        }
    _queue(
        invoice,
        client=invoice.client,
        event=INVOICE_EVENT,
        id_key="invoice_id",
        subject=subject,
        body=body,
        attachment=INVOICE_PDF,
    )
    return invoice


def _queue(document, *, client, event: str, id_key: str, subject: str, body: str, attachment: str) -> None:
    """Queue one more attempt at emailing an issued invoice or credit note (locked by the caller) with its PDF,
    as a service message, and record on it whether the message is on its way or why it cannot go."""
    document.send_attempts += 1
    row = client_messaging.notification_enqueue_for_client(
        client=client,
        event=event,
        dedup_key=f"{event}:{document.pk}:{document.send_attempts}",
        subject=subject,
        body=body,
        context={
            id_key: document.pk,
            "number": document.number,
            "total": str(document.gross_total),
            "send_attempt": document.send_attempts,
        },
        channel=Notification.Channel.EMAIL,
        purpose=client_messaging.SERVICE,
        attachment=attachment,
    )
    if row.status == Notification.Status.SKIPPED:
        document.send_state, document.send_error = Invoice.SendState.FAILED, _reason(row.last_error)
    else:
        document.send_state, document.send_error = Invoice.SendState.QUEUED, ""
    document.save(update_fields=["send_attempts", "send_state", "send_error", "updated_at"])


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
        if "sent_at" in fields:  # the first message that went out, not every resend
            invoice.save(update_fields=[*fields, "updated_at"])
            events.invoice_event("invoice.sent", invoice)
            return
    elif attempt == invoice.send_attempts:
        invoice.send_state, invoice.send_error = Invoice.SendState.FAILED, _reason(error)
    else:
        return
    invoice.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def credit_note_send(*, credit_note: CreditNote, by) -> CreditNote:
    """Queue the credit note email (with its PDF) to the invoice's client, as a service message."""
    require_accountant(by)
    note = CreditNote.objects.select_for_update().select_related("invoice__client").get(pk=credit_note.pk)
    if note.status != CreditNote.Status.ISSUED:
        raise ApplicationError(gettext("Only an issued credit note can be sent."), field="status")
    if note.send_state == Invoice.SendState.QUEUED:
        raise ConflictError(gettext("This credit note is already on its way to the client."))
    with client_messaging.in_client_language(note.invoice.client):
        names = {"number": note.number, "invoice": note.invoice.number, "amount": money_display(note.gross_total)}
        subject = _("Credit note %(number)s for invoice %(invoice)s") % names
        body = _("Please find attached credit note %(number)s crediting %(amount)s on invoice %(invoice)s.") % names
    _queue(
        note,
        client=note.invoice.client,
        event=CREDIT_NOTE_EVENT,
        id_key="credit_note_id",
        subject=subject,
        body=body,
        attachment=CREDIT_NOTE_PDF,
    )
    return note


@transaction.atomic
def credit_note_send_outcome(*, credit_note_id: int, attempt: int | None, sent: bool, error: str = "", at=None) -> None:
    """What the outbox reported about a credit note email (as `invoice_send_outcome`)."""
    note = CreditNote.objects.select_for_update().filter(pk=credit_note_id).first()
    if note is None:
        return
    fields = ["send_state", "send_error"]
    if sent:
        note.send_state, note.send_error = Invoice.SendState.SENT, ""
        if note.sent_at is None:
            note.sent_at = at or timezone.now()
            fields.append("sent_at")
    elif attempt == note.send_attempts:
        note.send_state, note.send_error = Invoice.SendState.FAILED, _reason(error)
    else:
        return
    note.save(update_fields=[*fields, "updated_at"])

"""What purchases plugs into the outbox (crm.notifications.registry), from PurchasesConfig.ready: the invoice
and credit note PDFs as attachments, rendered from the document when the email goes out (the outbox stores no
documents, and a retry renders it again), and the outcome of their emails, which marks the document sent or
says why not."""

from crm.notifications import registry as outbox

from . import selectors, services
from .pdf import credit_note_pdf, invoice_pdf
from .services.sending import CREDIT_NOTE_EVENT, CREDIT_NOTE_PDF, INVOICE_EVENT, INVOICE_PDF


def invoice_pdf_attachment(row) -> outbox.Attachment:
    invoice = selectors.invoice_get(pk=row.context["invoice_id"])
    content = invoice_pdf(invoice, selectors.invoice_lines(invoice=invoice))
    return outbox.Attachment(filename=f"invoice-{invoice.number}.pdf", content=content, mimetype="application/pdf")


def credit_note_pdf_attachment(row) -> outbox.Attachment:
    note = selectors.credit_note_get(pk=row.context["credit_note_id"])
    return outbox.Attachment(
        filename=f"credit-note-{note.number}.pdf", content=credit_note_pdf(note), mimetype="application/pdf"
    )


def delivery_outcome(row) -> None:
    """Called by the outbox once a row's outcome is final; only invoice and credit note emails concern
    purchases."""
    if row.event == CREDIT_NOTE_EVENT and row.context.get("credit_note_id"):
        services.credit_note_send_outcome(
            credit_note_id=row.context["credit_note_id"],
            attempt=row.context.get("send_attempt"),
            sent=row.status == "sent",
            error=row.last_error,
            at=row.sent_at,
        )
        return
    if row.event != INVOICE_EVENT or not row.context.get("invoice_id"):
        return
    services.invoice_send_outcome(
        invoice_id=row.context["invoice_id"],
        attempt=row.context.get("send_attempt"),
        sent=row.status == "sent",
        error=row.last_error,
        at=row.sent_at,
    )


def register() -> None:
    outbox.register_attachment(INVOICE_PDF, invoice_pdf_attachment)
    outbox.register_attachment(CREDIT_NOTE_PDF, credit_note_pdf_attachment)
    outbox.add_delivery_listener(delivery_outcome)

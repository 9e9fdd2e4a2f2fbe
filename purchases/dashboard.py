from django.utils import timezone
from django.utils.translation import gettext

from crm.roles import is_accountant, is_sales_manager

from . import selectors


def panels(request) -> list[dict]:
    out = []
    if is_accountant(request.user):
        out.append(
            {
                "id": "invoice-queue",
                "title": gettext("Invoices to issue (overdue first)"),
                "template": "purchases/_panel_queue.html",
                "context": {"invoices": list(selectors.invoice_queue()[:10]), "now": timezone.now()},
                "order": 10,
            }
        )
        out.append(
            {
                "id": "credit-note-queue",
                "title": gettext("Credit notes to issue"),
                "template": "purchases/_panel_credit_notes.html",
                "context": {"notes": list(selectors.credit_note_queue()[:10]), "now": timezone.now()},
                "order": 11,
            }
        )
    if is_sales_manager(request.user):
        out.append(
            {
                "id": "my-invoices",
                "title": gettext("My invoice requests"),
                "template": "purchases/_panel_mine.html",
                "context": {"invoices": list(selectors.invoice_list(requested_by=request.user)[:8])},
                "order": 40,
            }
        )
    return out

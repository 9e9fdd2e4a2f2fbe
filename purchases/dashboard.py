from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from crm.money import ZERO
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
        months = selectors.sales_per_month(manager=request.user)
        out.append(
            {
                "id": "my-sales-months",
                "title": _("My clients' sales per month"),
                "template": "purchases/_panel_sales_months.html",
                "context": {
                    "months": months,
                    "labels": [m["month"].strftime("%b %y") for m in months],
                    "values": [m["net"] for m in months],
                    "current": months[-1],
                    "total": sum((m["net"] for m in months), ZERO),
                },
                "order": 13,
            }
        )
    return out

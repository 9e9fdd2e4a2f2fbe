"""The purchases app's part of the service record and of the key-client rule (crm/standards): invoices late
against the invoice standard (the request's due time, `Invoice.due_at`, set from the standard's working hours),
and the discount-tier source the key-client rule reads. Registered from PurchasesConfig.ready()."""

from decimal import Decimal

from django.db.models import F, Q
from django.utils.translation import gettext_lazy

from crm.standards import key_clients
from crm.standards.failures import FailureSource, Found, for_clients, not_recorded, register_failure_source

from .models import ClientAccount, Invoice

INVOICE_LATE = "invoice_late"


def _late_invoices(*, now, client_ids):
    """Requested and still not issued past the due time, or issued after it (void requests never issued are not
    counted: nobody was waiting for them)."""
    waiting = Q(status=Invoice.Status.REQUESTED, due_at__lt=now)
    issued_late = Q(issued_at__isnull=False, issued_at__gt=F("due_at"))
    qs = Invoice.objects.filter(waiting | issued_late).filter(~not_recorded(INVOICE_LATE, "invoice:"))
    for pk, client_id, number, due_at in for_clients(qs, client_ids).values_list("pk", "client_id", "number", "due_at"):
        yield Found(client_id, f"invoice:{pk}", due_at, number or f"#{pk}")


def clients_with_tier_at_least(min_percent: Decimal):
    """Ids of clients whose current tier gives at least `min_percent` (never a 0% tier: no discount, no key)."""
    return ClientAccount.objects.filter(tier__percent__gte=min_percent, tier__percent__gt=0).values("client_id")


def register() -> None:
    register_failure_source(FailureSource(INVOICE_LATE, gettext_lazy("Invoice late"), _late_invoices))
    key_clients.register_tier_source(clients_with_tier_at_least)

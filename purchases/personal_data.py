"""The purchases' part of a person's data export and erasure (clients.hooks.personal_data_parts).

Kept, because the law requires it: the ledger (every purchase and return with its lines, amounts, dates and
the notes, discount and price override reasons written on it: an accounting record is never altered, and the
ledger's rows refuse updates) and issued invoices and credit notes (number, dates, amounts, note, payments). Erased: the
note of an invoice or credit note that was never issued (only requested, or voided before issue), and the
staff messages about the person's invoices have the person's name replaced. An issued invoice's PDF is
rendered from the client row, so a copy printed after the erasure shows "Erased client #<id>"; the copy sent
at issue is the legal document."""

from django.utils.translation import gettext_lazy

from clients.hooks import ERASED_TEXT, Erasure, PersonalDataPart
from crm.internal_requests.models import InternalRequest
from crm.notifications import services as outbox
from crm.notifications.models import Notification

from .models import CreditNote, Invoice, InvoicePayment, Perk, PriceOverride, Purchase, PurchaseLine, TierChange
from .services.invoicing import INTERNAL_SOURCE


def export(*, client_ids: list[int]) -> dict[str, list[dict]]:
    purchases = Purchase.objects.filter(client_id__in=client_ids).order_by("id")
    invoices = Invoice.objects.filter(client_id__in=client_ids).order_by("id")
    return {
        "purchases": list(purchases.values()),
        "purchase_lines": list(
            PurchaseLine.objects.filter(purchase__client_id__in=client_ids)
            .order_by("id")
            .values("id", "purchase_id", "product__sku", "product__name", "quantity", "unit_price", "net_amount")
        ),
        "invoices": list(invoices.values()),
        "invoice_payments": list(
            InvoicePayment.objects.filter(invoice__client_id__in=client_ids).order_by("id").values()
        ),
        "price_overrides": list(
            PriceOverride.objects.filter(purchase__client_id__in=client_ids).order_by("id").values()
        ),
        "tier_changes": list(TierChange.objects.filter(client_id__in=client_ids).order_by("id").values()),
        "credit_notes": list(CreditNote.objects.filter(invoice__client_id__in=client_ids).order_by("id").values()),
        "perks": list(Perk.objects.filter(client_id__in=client_ids).order_by("id").values()),
    }


def erase(*, erasure: Erasure) -> dict[str, int]:
    not_issued = Invoice.objects.filter(client_id__in=erasure.client_ids, number__isnull=True).exclude(note="")
    invoice_ids = list(Invoice.objects.filter(client_id__in=erasure.client_ids).values_list("pk", flat=True))
    about = Notification.objects.filter(client__isnull=True, context__invoice_id__in=invoice_ids)
    # A credit note still waiting for its number is no legal document yet: its note (copied from the return's
    # reason) goes; an issued one is kept like an issued invoice.
    waiting = CreditNote.objects.filter(invoice__client_id__in=erasure.client_ids, number__isnull=True)
    requests = InternalRequest.objects.filter(source=INTERNAL_SOURCE, source_id__in=invoice_ids)
    request_ids = list(requests.values_list("pk", flat=True))
    about_requests = Notification.objects.filter(client__isnull=True, context__internal_request_id__in=request_ids)
    return {
        "internal_requests.InternalRequest (invoices)": erasure.scrub_rows(
            requests, ["subject", "details", "completion_note", "rating_comment"]
        ),
        "notifications.Notification (invoice requests)": outbox.notifications_redact(
            rows=about_requests, scrub=erasure.scrub
        ),
        "purchases.Perk": erasure.scrub_rows(Perk.objects.filter(client_id__in=erasure.client_ids), ["note"]),
        "purchases.Invoice": not_issued.update(note=ERASED_TEXT),
        "purchases.CreditNote": erasure.scrub_rows(waiting, ["note"]),
        "notifications.Notification (invoices)": outbox.notifications_redact(rows=about, scrub=erasure.scrub),
    }


PART = PersonalDataPart(label=gettext_lazy("purchases"), export=export, erase=erase)

"""The only code that writes the catalogue, the ledger and invoices, by job:

- pricing      tier maths and the quote of a purchase (recording and the live preview); LineInput
- weights      effective-dated incentive weights
- accounts     client accounts: lock, running total and tier history, recompute, the clients-merge step
- idempotency  write_once: the one wrapper for writes keyed by an external_id
- entries      entry_write: the one ledger-entry writer every sale, return and correction goes through, and the
               client locks (a client merged away is refused; returns go to the lineage's head)
- price_overrides  prices below the catalogue beyond the allowance: the reason rule and the PriceOverride audit
- tax          pure tax arithmetic of document lines (per line, per rate, totals; line or document rounding)
- tax_rates    effective-dated tax rates per product or category: tax_rate_create, tax_rates_on
- documents    invoice and credit-note figures read from the ledger; the gapless yearly number series
- settlement   the balance/status model of an issued invoice (payments, refunds and credit notes settle here)
- credit_notes credit notes: requested after a return/correction of an invoiced sale, issued, voids
- ledger       the ledger services: purchase_record, purchase_return, purchase_discount_override
- catalogue    categories, products, tiers, policy, the catalogue import
- invoicing    invoice requests, gapless numbers, voids
- payments     payments and refunds against an invoice (idempotent by external_id), the status they give it
- reconciling  running the reconciliation checks (purchases/reconciliation.py), keeping and alerting the result
- perks        perk kinds (administrators) and perks given without a complaint: record, end
- sending      the invoice email with its PDF; the invoice turns sent when the outbox says it went out

Callers import this package (`from purchases import services as purchase_services`); it only re-exports.
The submodules import each other directly (never this package), each only from those listed above it, so no
import loops back. Services take typed values (model instances, Decimal); forms and serializers parse."""

from .accounts import (
    client_account_recompute,
    client_accounts_merge,
    client_accounts_recompute_all,
    merge_step,
    policy_get,
)
from .catalogue import (
    CatalogueRow,
    catalogue_import,
    category_save,
    policy_set,
    product_create,
    product_update,
    tier_delete,
    tier_save,
)
from .credit_notes import (
    credit_note_counter_next,
    credit_note_for_void,
    credit_note_issue,
    credit_note_request_for_entry,
)
from .documents import sales_figures
from .invoicing import (
    INTERNAL_SOURCE as INVOICE_INTERNAL_SOURCE,
)
from .invoicing import (
    invoice_claim,
    invoice_counter_next,
    invoice_issue,
    invoice_request,
    invoice_void,
    invoices_remind_overdue,
)
from .ledger import ReturnLineInput, purchase_discount_override, purchase_record, purchase_return
from .payments import (
    credit_note_can_refund,
    invoice_can_pay,
    invoice_can_refund,
    invoice_payment_record,
    invoice_refund_limit,
    invoice_refund_record,
)
from .perks import can_record_perk, perk_end, perk_kind_save, perk_kinds_ensure_defaults, perk_record
from .pricing import LineInput, Quote, next_tier, purchase_preview, purchase_quote, tier_for_total, tiers_ordered
from .reconciling import reconciliation_run
from .sending import (
    credit_note_send,
    credit_note_send_outcome,
    invoice_mark_sent,
    invoice_send,
    invoice_send_outcome,
)
from .settlement import invoice_settle_status
from .tax import TaxInput, tax_compute, tax_compute_configured
from .tax_rates import default_tax_rate, tax_rate_create, tax_rates_on
from .weights import WEIGHTS_START, product_weight_set

__all__ = [
    "WEIGHTS_START",
    "LineInput",
    "Quote",
    "ReturnLineInput",
    "CatalogueRow",
    "catalogue_import",
    "category_save",
    "client_account_recompute",
    "client_accounts_merge",
    "client_accounts_recompute_all",
    "credit_note_can_refund",
    "credit_note_counter_next",
    "default_tax_rate",
    "credit_note_for_void",
    "credit_note_issue",
    "credit_note_request_for_entry",
    "credit_note_send",
    "credit_note_send_outcome",
    "invoice_can_pay",
    "invoice_can_refund",
    "invoice_claim",
    "invoice_counter_next",
    "invoice_issue",
    "invoice_mark_sent",
    "invoice_payment_record",
    "invoice_refund_limit",
    "invoice_refund_record",
    "invoice_send",
    "invoice_send_outcome",
    "invoice_settle_status",
    "invoice_request",
    "INVOICE_INTERNAL_SOURCE",
    "invoice_void",
    "invoices_remind_overdue",
    "merge_step",
    "next_tier",
    "can_record_perk",
    "perk_end",
    "perk_kind_save",
    "perk_kinds_ensure_defaults",
    "perk_record",
    "policy_get",
    "policy_set",
    "product_create",
    "product_update",
    "product_weight_set",
    "purchase_discount_override",
    "reconciliation_run",
    "purchase_preview",
    "purchase_quote",
    "purchase_record",
    "purchase_return",
    "sales_figures",
    "TaxInput",
    "tax_compute",
    "tax_compute_configured",
    "tax_rate_create",
    "tax_rates_on",
    "tier_delete",
    "tier_for_total",
    "tier_save",
    "tiers_ordered",
]

"""Admin. The ledger, accounts, tier history, discount and price overrides, invoices, credit notes, tax rates,
payments, refunds and reconciliation runs are read-only here: they change only through the services
(append-only ledger, gapless numbering; on PostgreSQL a trigger refuses UPDATE and DELETE of ledger rows and
issued documents anyway, crm/dbguard.py); the catalogue and tiers are editable."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Category,
    ClientAccount,
    CreditNote,
    CreditNoteCounter,
    CreditNoteLine,
    DiscountOverride,
    DiscountPolicy,
    DiscountTier,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoicePayment,
    PriceOverride,
    Product,
    ProductWeight,
    Purchase,
    PurchaseLine,
    ReconciliationRun,
    Refund,
    TaxRate,
    TierChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    prepopulated_fields = {"code": ["name"]}


class WeightInline(ReadOnlyInline):
    model = ProductWeight
    fields = ["effective_from", "weight", "set_by", "created_at"]
    readonly_fields = fields


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["sku", "name", "category", "unit_price", "incentive_weight", "is_key", "is_locomotive", "is_active"]
    list_filter = ["category", "is_key", "is_locomotive", "is_active"]
    search_fields = ["sku", "name"]
    readonly_fields = ["incentive_weight"]  # changes are effective-dated: use the catalogue page or the API
    inlines = [WeightInline]


@admin.register(DiscountTier)
class DiscountTierAdmin(SimpleHistoryAdmin):
    list_display = ["threshold", "percent", "name"]


@admin.register(DiscountPolicy)
class DiscountPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["basis", "window_months"]


class LineInline(ReadOnlyInline):
    model = PurchaseLine
    fields = ["product", "quantity", "unit_price", "gross_amount", "discount_amount", "net_amount", "incentive_weight"]
    readonly_fields = fields


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["id", "client", "kind", "purchased_at", "gross_total", "discount_percent", "net_total"]
    list_filter = ["kind"]
    search_fields = ["external_id", "client__name"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "original"]
    inlines = [LineInline]


@admin.register(ClientAccount)
class ClientAccountAdmin(ReadOnlyAdmin):
    list_display = ["client", "cumulative_total", "tier", "window_start", "updated_at"]
    list_select_related = ["client", "tier"]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["client", "changed_at", "direction", "cause", "explanation"]
    list_filter = ["direction", "cause"]
    list_select_related = ["client"]


@admin.register(DiscountOverride)
class DiscountOverrideAdmin(ReadOnlyAdmin):
    list_display = ["purchase", "by", "at", "computed_percent", "override_percent", "reason"]


@admin.register(PriceOverride)
class PriceOverrideAdmin(ReadOnlyAdmin):
    list_display = ["purchase", "product", "catalogue_price", "unit_price", "by", "at", "reason"]
    list_select_related = ["product", "by"]
    raw_id_fields = ["purchase", "line", "product"]


class PaymentInline(ReadOnlyInline):
    model = InvoicePayment
    fields = ["paid_on", "amount", "method", "reference", "external_id", "recorded_by"]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["refunded_on", "amount", "method", "reference", "external_id", "recorded_by"]
    readonly_fields = fields


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["product", "description", "quantity", "unit_price", "net_amount", "tax_rate", "tax_amount"]
    fields += ["gross_amount"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "client", "status", "send_state", "gross_total", "requested_at", "due_at", "issued_at"]
    list_filter = ["status", "send_state"]
    list_select_related = ["client"]
    inlines = [InvoiceLineInline, PaymentInline, RefundInline]


class CreditNoteLineInline(ReadOnlyInline):
    model = CreditNoteLine
    fields = ["product", "description", "quantity", "net_amount", "tax_rate", "tax_amount", "gross_amount"]
    readonly_fields = fields


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "invoice", "reason", "status", "gross_total", "requested_at", "issued_at"]
    list_filter = ["status", "reason"]
    list_select_related = ["invoice"]
    inlines = [CreditNoteLineInline]


@admin.register(CreditNoteCounter)
class CreditNoteCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]


@admin.register(TaxRate)
class TaxRateAdmin(ReadOnlyAdmin):
    """Rates are added on the Tax rates page (purchases:tax_rates), never edited."""

    list_display = ["__str__", "product", "category", "rate", "name", "effective_from", "set_by"]
    list_select_related = ["product", "category", "set_by"]


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "trigger", "requested_by", "mismatch_count"]
    list_filter = ["trigger"]
    list_select_related = ["requested_by"]

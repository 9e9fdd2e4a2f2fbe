from django.urls import path

from .api import catalogue, credit_notes, invoices, ledger, reconciliation

urlpatterns = [
    path("products/", catalogue.ProductList.as_view(), name="api-products"),
    path("products/<int:pk>/", catalogue.ProductDetail.as_view(), name="api-product"),
    path("products/<int:pk>/weights/", catalogue.ProductWeights.as_view(), name="api-product-weights"),
    path("discount-tiers/", catalogue.TierList.as_view(), name="api-discount-tiers"),
    path("discount-tiers/<int:pk>/", catalogue.TierDetail.as_view(), name="api-discount-tier"),
    path("purchases/", ledger.PurchaseList.as_view(), name="api-purchases"),
    path("purchases/<int:pk>/", ledger.PurchaseDetail.as_view(), name="api-purchase"),
    path("purchases/<int:pk>/returns/", ledger.PurchaseReturns.as_view(), name="api-purchase-returns"),
    path("purchases/<int:pk>/override/", ledger.PurchaseOverride.as_view(), name="api-purchase-override"),
    path("invoices/", invoices.InvoiceList.as_view(), name="api-invoices"),
    path("invoices/<int:pk>/", invoices.InvoiceDetail.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/claim/", invoices.InvoiceClaim.as_view(), name="api-invoice-claim"),
    path("invoices/<int:pk>/issue/", invoices.InvoiceIssue.as_view(), name="api-invoice-issue"),
    path("invoices/<int:pk>/send/", invoices.InvoiceSend.as_view(), name="api-invoice-send"),
    path("invoices/<int:pk>/void/", invoices.InvoiceVoid.as_view(), name="api-invoice-void"),
    path("invoices/<int:pk>/payments/", invoices.InvoicePayments.as_view(), name="api-invoice-payments"),
    path("invoices/<int:pk>/refunds/", invoices.InvoiceRefunds.as_view(), name="api-invoice-refunds"),
    path("invoices/<int:pk>/pdf/", invoices.InvoicePdf.as_view(), name="api-invoice-pdf"),
    path("credit-notes/", credit_notes.CreditNoteList.as_view(), name="api-credit-notes"),
    path("credit-notes/<int:pk>/", credit_notes.CreditNoteDetail.as_view(), name="api-credit-note"),
    path("credit-notes/<int:pk>/issue/", credit_notes.CreditNoteIssue.as_view(), name="api-credit-note-issue"),
    path("credit-notes/<int:pk>/pdf/", credit_notes.CreditNotePdf.as_view(), name="api-credit-note-pdf"),
    path("credit-notes/<int:pk>/refunds/", credit_notes.CreditNoteRefunds.as_view(), name="api-credit-note-refunds"),
    path("credit-notes/<int:pk>/send/", credit_notes.CreditNoteSend.as_view(), name="api-credit-note-send"),
    path("tax-rates/", credit_notes.TaxRateList.as_view(), name="api-tax-rates"),
    path("reconciliation/", reconciliation.ReconciliationRuns.as_view(), name="api-reconciliation"),
]

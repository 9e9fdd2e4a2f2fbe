from django.urls import path

from .api import catalogue, invoices, ledger, overrides

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
    path("price-overrides/", overrides.PriceOverrideList.as_view(), name="api-price-overrides"),
    path("invoices/", invoices.InvoiceList.as_view(), name="api-invoices"),
    path("invoices/<int:pk>/", invoices.InvoiceDetail.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/claim/", invoices.InvoiceClaim.as_view(), name="api-invoice-claim"),
    path("invoices/<int:pk>/issue/", invoices.InvoiceIssue.as_view(), name="api-invoice-issue"),
    path("invoices/<int:pk>/send/", invoices.InvoiceSend.as_view(), name="api-invoice-send"),
    path("invoices/<int:pk>/void/", invoices.InvoiceVoid.as_view(), name="api-invoice-void"),
    path("invoices/<int:pk>/payments/", invoices.InvoicePayments.as_view(), name="api-invoice-payments"),
    path("invoices/<int:pk>/pdf/", invoices.InvoicePdf.as_view(), name="api-invoice-pdf"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("products/", api.ProductList.as_view(), name="api-products"),
    path("products/<int:pk>/", api.ProductDetail.as_view(), name="api-product"),
    path("products/<int:pk>/weights/", api.ProductWeights.as_view(), name="api-product-weights"),
    path("discount-tiers/", api.TierList.as_view(), name="api-discount-tiers"),
    path("discount-tiers/<int:pk>/", api.TierDetail.as_view(), name="api-discount-tier"),
    path("purchases/", api.PurchaseList.as_view(), name="api-purchases"),
    path("purchases/<int:pk>/", api.PurchaseDetail.as_view(), name="api-purchase"),
    path("purchases/<int:pk>/returns/", api.PurchaseReturns.as_view(), name="api-purchase-returns"),
    path("purchases/<int:pk>/override/", api.PurchaseOverride.as_view(), name="api-purchase-override"),
    path("invoices/", api.InvoiceList.as_view(), name="api-invoices"),
    path("invoices/<int:pk>/", api.InvoiceDetail.as_view(), name="api-invoice"),
    path("invoices/<int:pk>/claim/", api.InvoiceClaim.as_view(), name="api-invoice-claim"),
    path("invoices/<int:pk>/issue/", api.InvoiceIssue.as_view(), name="api-invoice-issue"),
    path("invoices/<int:pk>/send/", api.InvoiceSend.as_view(), name="api-invoice-send"),
    path("invoices/<int:pk>/void/", api.InvoiceVoid.as_view(), name="api-invoice-void"),
    path("invoices/<int:pk>/payments/", api.InvoicePayments.as_view(), name="api-invoice-payments"),
    path("invoices/<int:pk>/pdf/", api.InvoicePdf.as_view(), name="api-invoice-pdf"),
]

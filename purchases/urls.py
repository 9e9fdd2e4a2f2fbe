from django.urls import path

from . import views

app_name = "purchases"

urlpatterns = [
    path("", views.purchase_list, name="list"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.product_edit, name="product_new"),
    path("catalogue/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("catalogue/import/", views.catalogue_import, name="catalogue_import"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/<int:pk>/delete/", views.tier_delete, name="tier_delete"),
    path("record/", views.record, name="record"),
    path("record/line/", views.record_line, name="record_line"),
    path("record/preview/", views.record_preview, name="record_preview"),
    path("<int:pk>/", views.purchase_detail, name="detail"),
    path("<int:pk>/return/", views.purchase_return, name="return"),
    path("<int:pk>/override/", views.purchase_override, name="override"),
    path("client/<int:client_id>/tab/", views.client_tab, name="client_tab"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/request/", views.invoice_request, name="invoice_request"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/<str:action>/", views.invoice_action, name="invoice_action"),
]

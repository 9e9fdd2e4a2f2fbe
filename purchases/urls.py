from django.urls import path

from .views import catalogue, credit_notes, invoices, ledger, overrides, perks, reconciliation

app_name = "purchases"

urlpatterns = [
    path("", ledger.purchase_list, name="list"),
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/new/", catalogue.product_edit, name="product_new"),
    path("catalogue/<int:pk>/edit/", catalogue.product_edit, name="product_edit"),
    path("catalogue/import/", catalogue.catalogue_import, name="catalogue_import"),
    path("categories/", catalogue.categories, name="categories"),
    path("categories/<int:pk>/", catalogue.category_edit, name="category_edit"),
    path("tiers/", catalogue.tiers, name="tiers"),
    path("tiers/<int:pk>/delete/", catalogue.tier_delete, name="tier_delete"),
    path("record/", ledger.record, name="record"),
    path("record/line/", ledger.record_line, name="record_line"),
    path("record/preview/", ledger.record_preview, name="record_preview"),
    path("<int:pk>/", ledger.purchase_detail, name="detail"),
    path("<int:pk>/return/", ledger.purchase_return, name="return"),
    path("<int:pk>/override/", ledger.purchase_override, name="override"),
    path("client/<int:client_id>/tab/", ledger.client_tab, name="client_tab"),
    path("client/<int:client_id>/perks/", perks.client_perks_tab, name="perks_client_tab"),
    path("perks/", perks.perks, name="perks"),
    path("perks/kinds/", perks.perk_kind_save, name="perk_kind_save"),
    path("perks/<int:pk>/end/", perks.perk_end, name="perk_end"),
    path("price-overrides/", overrides.price_overrides, name="price_overrides"),
    path("invoices/", invoices.invoices, name="invoices"),
    path("invoices/request/", invoices.invoice_request, name="invoice_request"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("reconciliation/", reconciliation.reconciliation, name="reconciliation"),
    path("reconciliation/run/", reconciliation.reconciliation_run, name="reconciliation_run"),
    path("invoices/<int:pk>/<str:action>/", invoices.invoice_action, name="invoice_action"),
    path("credit-notes/", credit_notes.credit_notes, name="credit_notes"),
    path("credit-notes/<int:pk>/", credit_notes.credit_note_detail, name="credit_note"),
    path("credit-notes/<int:pk>/issue/", credit_notes.credit_note_issue, name="credit_note_issue"),
    path("credit-notes/<int:pk>/pdf/", credit_notes.credit_note_pdf, name="credit_note_pdf"),
    path("credit-notes/<int:pk>/send/", credit_notes.credit_note_send, name="credit_note_send"),
    path("credit-notes/<int:pk>/refund/", credit_notes.credit_note_refund, name="credit_note_refund"),
    path("tax-rates/", catalogue.tax_rates, name="tax_rates"),
]

from importlib import import_module

from django.urls import path

from . import registry, views, webhook_views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/retry/", views.notification_retry, name="retry"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("print-batches/", views.print_batch_list, name="print_batches"),
    path("print-batches/<int:pk>/letters.pdf", views.print_batch_pdf, name="print_batch_pdf"),
    path("print-batches/<int:pk>/mailing-list.csv", views.print_batch_csv, name="print_batch_csv"),
    path("print-batches/<int:pk>/close/", views.print_batch_close, name="print_batch_close"),
    path("webhooks/", webhook_views.subscription_list, name="webhooks"),
    path("webhooks/<int:pk>/", webhook_views.subscription_detail, name="webhook"),
    path("webhooks/<int:pk>/rotate-secret/", webhook_views.subscription_rotate, name="webhook_rotate"),
    path("webhooks/events/<int:pk>/resend/", webhook_views.event_resend, name="webhook_event_resend"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
]
# Pages contributed by higher apps (company news and the unsubscribe page, from clients), see registry.py.
for module in registry.html_url_modules:
    urlpatterns += import_module(module).urlpatterns

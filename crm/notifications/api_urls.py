from importlib import import_module

from django.urls import path

from . import api, registry, webhook_api

urlpatterns = [
    path("notifications/", api.NotificationList.as_view(), name="api-notifications"),
    path("notifications/status/", api.NotificationStatus.as_view(), name="api-notifications-status"),
    path("notifications/<int:pk>/", api.NotificationDetail.as_view(), name="api-notification"),
    path("notifications/<int:pk>/retry/", api.NotificationRetry.as_view(), name="api-notification-retry"),
    path("webhooks/subscriptions/", webhook_api.SubscriptionList.as_view(), name="api-webhook-subscriptions"),
    path(
        "webhooks/subscriptions/<int:pk>/",
        webhook_api.SubscriptionDetail.as_view(),
        name="api-webhook-subscription",
    ),
    path(
        "webhooks/subscriptions/<int:pk>/rotate-secret/",
        webhook_api.SubscriptionRotateSecret.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path("webhooks/events/", webhook_api.EventList.as_view(), name="api-webhook-events"),
    path("webhooks/events/<int:pk>/resend/", webhook_api.EventResend.as_view(), name="api-webhook-event-resend"),
    path("webhooks/event-types/", webhook_api.EventTypes.as_view(), name="api-webhook-event-types"),
    path("print-batches/", api.PrintBatchList.as_view(), name="api-print-batches"),
    path("print-batches/<int:pk>/close/", api.PrintBatchClose.as_view(), name="api-print-batch-close"),
    path("print-batches/<int:pk>/letters.pdf", api.PrintBatchPdf.as_view(), name="api-print-batch-pdf"),
    path("print-batches/<int:pk>/mailing-list.csv", api.PrintBatchMailingList.as_view(), name="api-print-batch-csv"),
    path("message-templates/", api.MessageTemplateList.as_view(), name="api-message-templates"),
    path("message-templates/preview/", api.MessageTemplatePreview.as_view(), name="api-message-template-preview"),
    path("message-templates/<int:pk>/", api.MessageTemplateDetail.as_view(), name="api-message-template"),
    path("inbox/", api.Inbox.as_view(), name="api-inbox"),
    path("inbox/read-all/", api.InboxReadAll.as_view(), name="api-inbox-read-all"),
    path("inbox/<int:pk>/read/", api.InboxRead.as_view(), name="api-inbox-read"),
]
# Routes contributed by higher apps (company news, from clients), see registry.py.
for module in registry.api_url_modules:
    urlpatterns += import_module(module).urlpatterns

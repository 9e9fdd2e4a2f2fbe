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
]
# Routes contributed by higher apps (company news, from clients), see registry.py.
for module in registry.api_url_modules:
    urlpatterns += import_module(module).urlpatterns

from importlib import import_module

from django.urls import path

from . import api, registry

urlpatterns = [
    path("notifications/", api.NotificationList.as_view(), name="api-notifications"),
    path("notifications/status/", api.NotificationStatus.as_view(), name="api-notifications-status"),
    path("notifications/<int:pk>/", api.NotificationDetail.as_view(), name="api-notification"),
    path("notifications/<int:pk>/retry/", api.NotificationRetry.as_view(), name="api-notification-retry"),
]
# Routes contributed by higher apps (company news, from clients), see registry.py.
for module in registry.api_url_modules:
    urlpatterns += import_module(module).urlpatterns

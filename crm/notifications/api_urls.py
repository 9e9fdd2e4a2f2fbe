from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationList.as_view(), name="api-notifications"),
    path("notifications/status/", api.NotificationStatus.as_view(), name="api-notifications-status"),
    path("notifications/<int:pk>/", api.NotificationDetail.as_view(), name="api-notification"),
    path("notifications/<int:pk>/retry/", api.NotificationRetry.as_view(), name="api-notification-retry"),
    path("news/", api.NewsListCreate.as_view(), name="api-news"),
    path("news/<int:pk>/", api.NewsDetail.as_view(), name="api-news-detail"),
    path("news/<int:pk>/progress/", api.NewsProgress.as_view(), name="api-news-progress"),
    path("news/<int:pk>/cancel/", api.NewsCancel.as_view(), name="api-news-cancel"),
]

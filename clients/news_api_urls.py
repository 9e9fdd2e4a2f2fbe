from django.urls import path

from . import news_api

# Mounted under /api/v1/ through the outbox registry (clients/messaging.py: register).
urlpatterns = [
    path("news/", news_api.NewsListCreate.as_view(), name="api-news"),
    path("news/<int:pk>/", news_api.NewsDetail.as_view(), name="api-news-detail"),
    path("news/<int:pk>/progress/", news_api.NewsProgress.as_view(), name="api-news-progress"),
    path("news/<int:pk>/cancel/", news_api.NewsCancel.as_view(), name="api-news-cancel"),
]

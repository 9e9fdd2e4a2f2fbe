from django.urls import path

from . import messaging_views as views

# Mounted under /notifications/ in the notifications namespace through the outbox registry
# (clients/messaging.py: register): the addresses and names these pages always had.
urlpatterns = [
    path("news/", views.news_list, name="news_list"),
    path("news/new/", views.news_create, name="news_create"),
    path("news/<int:pk>/", views.news_detail, name="news_detail"),
    path("news/<int:pk>/progress/", views.news_progress, name="news_progress"),
    path("news/<int:pk>/cancel/", views.news_cancel, name="news_cancel"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("confirm/<str:token>/", views.consent_confirm, name="consent_confirm"),
]

from django.urls import path

from . import views

app_name = "logins"

urlpatterns = [
    path("", views.index, name="index"),
    path("locks/<int:pk>/lift/", views.lock_lift, name="lock_lift"),
    path("slowdowns/<int:pk>/lift/", views.slowdown_lift, name="slowdown_lift"),
]

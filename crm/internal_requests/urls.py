from django.urls import path

from . import views

app_name = "internal_requests"

urlpatterns = [
    path("", views.index, name="index"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("teams/<int:pk>/queue/", views.queue, name="queue"),
    path("kinds/<int:pk>/", views.kind_update, name="kind_update"),
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/take/", views.take, name="take"),
    path("requests/<int:pk>/assign/", views.assign, name="assign"),
    path("requests/<int:pk>/complete/", views.complete, name="complete"),
    path("requests/<int:pk>/rate/", views.rate, name="rate"),
]

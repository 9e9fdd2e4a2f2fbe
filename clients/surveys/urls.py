from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("<str:token>/", views.answer, name="answer"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("satisfaction/", views.satisfaction_scores, name="satisfaction"),
    path("runs/", views.runs, name="runs"),
    path("<slug:kind>/", views.report, name="report"),
    path("<slug:kind>/csv/", views.report_csv, name="csv"),
]

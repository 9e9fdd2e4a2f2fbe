from django.urls import path

from . import views

app_name = "incentives"

urlpatterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("service/", views.service_leaderboard, name="service"),
    path("close/", views.period_close, name="close"),
    path("awards/", views.awards, name="awards"),
    path("awards/<int:pk>/<str:decision>/", views.award_decide, name="award_decide"),
    path("awards/payroll.csv", views.payroll_csv, name="payroll_csv"),
    path("setup/", views.setup, name="setup"),
    path("setup/<str:form_name>/", views.setup, name="setup_form"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("client-surveys/", api.SurveyList.as_view(), name="api-client-surveys"),
    path("client-surveys/answer/<str:token>/", api.SurveyAnswerView.as_view(), name="api-client-survey-answer"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("internal/teams/", api.TeamList.as_view(), name="api-internal-teams"),
    path("internal/teams/<int:pk>/", api.TeamDetail.as_view(), name="api-internal-team"),
    path("internal/teams/<int:pk>/queue/", api.TeamQueue.as_view(), name="api-internal-team-queue"),
    path("internal/kinds/", api.KindList.as_view(), name="api-internal-kinds"),
    path("internal/kinds/<int:pk>/", api.KindDetail.as_view(), name="api-internal-kind"),
    path("internal/requests/", api.RequestList.as_view(), name="api-internal-requests"),
    path("internal/requests/<int:pk>/", api.RequestDetail.as_view(), name="api-internal-request"),
    path("internal/requests/<int:pk>/take/", api.RequestTake.as_view(), name="api-internal-request-take"),
    path("internal/requests/<int:pk>/assign/", api.RequestAssign.as_view(), name="api-internal-request-assign"),
    path("internal/requests/<int:pk>/complete/", api.RequestComplete.as_view(), name="api-internal-request-complete"),
    path("internal/requests/<int:pk>/rate/", api.RequestRate.as_view(), name="api-internal-request-rate"),
]

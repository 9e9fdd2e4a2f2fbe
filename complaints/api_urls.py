from django.urls import path

from . import api, api_matches

urlpatterns = [
    path("complaints/", api.ComplaintListCreate.as_view(), name="api-complaints"),
    path("complaints/inbound-email/", api.InboundEmail.as_view(), name="api-complaints-inbound-email"),
    path("complaints/client-matches/", api_matches.ClientMatchQueue.as_view(), name="api-complaint-matches"),
    path(
        "complaints/<int:pk>/client-match/confirm/",
        api_matches.ClientMatchDecision.as_view(action="confirm"),
        name="api-complaint-match-confirm",
    ),
    path(
        "complaints/<int:pk>/client-match/reject/",
        api_matches.ClientMatchDecision.as_view(action="reject"),
        name="api-complaint-match-reject",
    ),
    path("complaints/<int:pk>/", api.ComplaintDetail.as_view(), name="api-complaint"),
    path("complaints/<int:pk>/transition/", api.ComplaintTransition.as_view(), name="api-complaint-transition"),
    path("complaints/<int:pk>/comments/", api.ComplaintComments.as_view(), name="api-complaint-comments"),
    path("complaints/<int:pk>/goodwill/", api.ComplaintGoodwill.as_view(), name="api-complaint-goodwill"),
    path("service-standards/", api.ServiceStandards.as_view(), name="api-service-standards"),
    path("surveys/<str:token>/", api.SurveyView.as_view(), name="api-survey"),
]

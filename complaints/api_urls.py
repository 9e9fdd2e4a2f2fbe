from django.urls import path

from . import api, api_handling, api_matches, api_standards

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
    path("complaints/figures/compliance/", api_handling.ComplianceFigures.as_view(), name="api-complaints-compliance"),
    path(
        "complaints/figures/systematization/",
        api_handling.SystematizationFigures.as_view(),
        name="api-complaints-systematization",
    ),
    path("complaints/<int:pk>/", api.ComplaintDetail.as_view(), name="api-complaint"),
    path("complaints/<int:pk>/transition/", api.ComplaintTransition.as_view(), name="api-complaint-transition"),
    path("complaints/<int:pk>/triage/", api_handling.ComplaintTriage.as_view(), name="api-complaint-triage"),
    path("complaints/<int:pk>/assign/", api_handling.ComplaintAssign.as_view(), name="api-complaint-assign"),
    path("complaints/<int:pk>/comments/", api.ComplaintComments.as_view(), name="api-complaint-comments"),
    path("complaints/<int:pk>/goodwill/", api.ComplaintGoodwill.as_view(), name="api-complaint-goodwill"),
    path("complaint-categories/", api_handling.CategoryList.as_view(), name="api-complaint-categories"),
    path("complaint-categories/<int:pk>/", api_handling.CategoryDetail.as_view(), name="api-complaint-category"),
    path("complaint-response-targets/", api_handling.TargetList.as_view(), name="api-complaint-response-targets"),
    path("service-standards/", api.ServiceStandards.as_view(), name="api-service-standards"),
    path("standards/documents/", api_standards.DocumentList.as_view(), name="api-standard-documents"),
    path("standards/documents/<int:pk>/", api_standards.DocumentDetail.as_view(), name="api-standard-document"),
    path(
        "standards/documents/<int:pk>/publish/",
        api_standards.DocumentPublish.as_view(),
        name="api-standard-document-publish",
    ),
    path(
        "standards/documents/<int:pk>/acknowledge/",
        api_standards.DocumentAcknowledge.as_view(),
        name="api-standard-document-acknowledge",
    ),
    path(
        "standards/acknowledgements/",
        api_standards.AcknowledgementMatrix.as_view(),
        name="api-standard-acknowledgements",
    ),
    path("standards/calendar/", api_standards.BusinessCalendar.as_view(), name="api-standards-calendar"),
    path("standards/holidays/", api_standards.HolidayList.as_view(), name="api-standards-holidays"),
    path("standards/holidays/<int:pk>/", api_standards.HolidayDetail.as_view(), name="api-standards-holiday"),
    path("standards/target-versions/", api_standards.TargetVersionList.as_view(), name="api-standards-target-versions"),
    path("standards/target-quarter/", api_standards.TargetQuarter.as_view(), name="api-standards-target-quarter"),
    path("standards/service-targets/", api_standards.ServiceTargets.as_view(), name="api-standards-service-targets"),
    path("surveys/<str:token>/", api.SurveyView.as_view(), name="api-survey"),
]

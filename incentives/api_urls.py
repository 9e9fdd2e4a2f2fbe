from django.urls import path

from . import api

urlpatterns = [
    path("incentives/leaderboard/", api.LeaderboardView.as_view(), name="api-incentives-leaderboard"),
    path(
        "incentives/service-leaderboard/",
        api.ServiceLeaderboardView.as_view(),
        name="api-incentives-service-leaderboard",
    ),
    path("incentives/plans/", api.SalesPlanListCreate.as_view(), name="api-incentives-plans"),
    path("incentives/award-types/", api.AwardTypeListCreate.as_view(), name="api-incentives-award-types"),
    path("incentives/award-rules/", api.AwardRuleListCreate.as_view(), name="api-incentives-award-rules"),
    path("incentives/awards/", api.AwardList.as_view(), name="api-incentives-awards"),
    path(
        "incentives/awards/<int:pk>/approve/",
        api.AwardDecide.as_view(approve=True),
        name="api-incentives-award-approve",
    ),
    path(
        "incentives/awards/<int:pk>/reject/",
        api.AwardDecide.as_view(approve=False),
        name="api-incentives-award-reject",
    ),
    path("incentives/period-closes/", api.PeriodCloseListCreate.as_view(), name="api-incentives-period-closes"),
    path("incentives/settings/", api.IncentiveSettingsView.as_view(), name="api-incentives-settings"),
    path(
        "incentives/credit-splits/<int:purchase>/",
        api.CreditSplitView.as_view(),
        name="api-incentives-credit-split",
    ),
]

from django.urls import path

from . import api

urlpatterns = [
    path("reports/", api.ReportKindList.as_view(), name="api-reports"),
    path("reports/generate/", api.ReportGenerate.as_view(), name="api-reports-generate"),
    path("reports/satisfaction/", api.SatisfactionScores.as_view(), name="api-reports-satisfaction"),
    path("reports/runs/", api.ReportRunList.as_view(), name="api-report-runs"),
    path("reports/runs/<int:pk>/", api.ReportRunDetail.as_view(), name="api-report-run"),
    path("reports/<slug:kind>/", api.ReportLatest.as_view(), name="api-report-latest"),
    path("reports/<slug:kind>/snapshots/", api.SnapshotList.as_view(), name="api-report-snapshots"),
    path("reports/<slug:kind>/snapshots/<int:pk>/", api.SnapshotDetail.as_view(), name="api-report-snapshot"),
    path("reports/<slug:kind>/snapshots/<int:pk>/rows/", api.SnapshotRows.as_view(), name="api-report-rows"),
    path("reports/<slug:kind>/snapshots/<int:pk>/csv/", api.SnapshotCsv.as_view(), name="api-report-csv"),
]

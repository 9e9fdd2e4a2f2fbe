from django.urls import path

from .api import consents, merging, personal_data, records, segments, timeline

urlpatterns = [
    path("clients/", records.ClientListCreate.as_view(), name="api-clients"),
    path("clients/duplicates/", records.ClientDuplicates.as_view(), name="api-client-duplicates"),
    path(
        "clients/by-external-id/<str:external_id>/",
        records.ClientUpsertByExternalId.as_view(),
        name="api-client-upsert",
    ),
    path("clients/<int:pk>/", records.ClientDetail.as_view(), name="api-client"),
    path("clients/<int:pk>/merge/", merging.ClientMergeView.as_view(), name="api-client-merge"),
    path("clients/<int:pk>/managers/", merging.ClientManagerHistory.as_view(), name="api-client-managers"),
    path(
        "clients/<int:pk>/personal-data/", personal_data.ClientPersonalData.as_view(), name="api-client-personal-data"
    ),
    path(
        "clients/<int:pk>/personal-data/erase/",
        personal_data.ClientPersonalDataErase.as_view(),
        name="api-client-personal-data-erase",
    ),
    path("clients/<int:pk>/consents/", consents.ClientConsents.as_view(), name="api-client-consents"),
    path("clients/<int:pk>/interactions/", timeline.ClientInteractions.as_view(), name="api-client-interactions"),
    path("clients/<int:pk>/promises/", timeline.ClientPromises.as_view(), name="api-client-promises"),
    path("tasks/", timeline.TaskListCreate.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/complete/", timeline.TaskClose.as_view(action="complete"), name="api-task-complete"),
    path("tasks/<int:pk>/cancel/", timeline.TaskClose.as_view(action="cancel"), name="api-task-cancel"),
    path("promises/<int:pk>/keep/", timeline.PromiseResolve.as_view(action="keep"), name="api-promise-keep"),
    path("promises/<int:pk>/break/", timeline.PromiseResolve.as_view(action="break"), name="api-promise-break"),
    path("segments/", segments.SegmentListCreate.as_view(), name="api-segments"),
]

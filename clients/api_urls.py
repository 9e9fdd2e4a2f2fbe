from django.urls import path

from . import api

urlpatterns = [
    path("clients/", api.ClientListCreate.as_view(), name="api-clients"),
    path("clients/duplicates/", api.ClientDuplicates.as_view(), name="api-client-duplicates"),
    path(
        "clients/by-external-id/<str:external_id>/",
        api.ClientUpsertByExternalId.as_view(),
        name="api-client-upsert",
    ),
    path("clients/<int:pk>/", api.ClientDetail.as_view(), name="api-client"),
    path("clients/<int:pk>/interactions/", api.ClientInteractions.as_view(), name="api-client-interactions"),
    path("clients/<int:pk>/promises/", api.ClientPromises.as_view(), name="api-client-promises"),
    path("tasks/", api.TaskListCreate.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/complete/", api.TaskClose.as_view(action="complete"), name="api-task-complete"),
    path("tasks/<int:pk>/cancel/", api.TaskClose.as_view(action="cancel"), name="api-task-cancel"),
    path("promises/<int:pk>/keep/", api.PromiseResolve.as_view(action="keep"), name="api-promise-keep"),
    path("promises/<int:pk>/break/", api.PromiseResolve.as_view(action="break"), name="api-promise-break"),
    path("segments/", api.SegmentListCreate.as_view(), name="api-segments"),
]

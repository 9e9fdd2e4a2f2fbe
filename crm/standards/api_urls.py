from django.urls import path

from . import api

urlpatterns = [
    path("service-failures/", api.ServiceFailureList.as_view(), name="api-service-failures"),
    path("service-failures/<int:pk>/resolve/", api.FailureResolve.as_view(), name="api-service-failure-resolve"),
    path("clients/<int:pk>/service-record/", api.ClientServiceRecord.as_view(), name="api-client-service-record"),
    path("key-client-rule/", api.KeyClientRuleView.as_view(), name="api-key-client-rule"),
    path("key-client-flags/", api.KeyClientFlagView.as_view(), name="api-key-client-flags"),
]

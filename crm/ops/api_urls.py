from django.urls import path

from . import api

urlpatterns = [
    path("ops/", api.OpsSnapshot.as_view(), name="api-ops"),
]

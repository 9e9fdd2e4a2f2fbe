from django.urls import path

from . import api

urlpatterns = [
    path("login-locks/", api.LoginLockList.as_view(), name="api-login-locks"),
    path("login-locks/<int:pk>/", api.LoginLockDetail.as_view(), name="api-login-lock"),
    path("login-slowdowns/", api.LoginSlowdownList.as_view(), name="api-login-slowdowns"),
    path("login-slowdowns/<int:pk>/", api.LoginSlowdownDetail.as_view(), name="api-login-slowdown"),
]

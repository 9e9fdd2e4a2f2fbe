from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("failures/", views.failure_list, name="failures"),
    path("failures/<int:pk>/resolve/", views.failure_resolve, name="failure_resolve"),
    path("clients/<int:client_id>/record/", views.client_record, name="client_record"),
    path("key-clients/", views.key_client_rule, name="key_clients"),
    path("key-clients/flag/", views.key_client_flag, name="key_client_flag"),
]

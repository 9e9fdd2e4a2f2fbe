from django.urls import path

from . import public, views, views_standards

app_name = "complaints"

urlpatterns = [
    path("", views.board, name="board"),
    path("list/", views.complaint_list, name="list"),
    path("new/", views.intake, name="intake"),
    path("triage-queue/", views.triage_queue, name="triage_queue"),
    path("<int:pk>/client-match/", views.match_decide, name="match_decide"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/triage/", views.triage, name="triage"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/goodwill/", views.goodwill, name="goodwill"),
    path("client/<int:client_id>/tab/", views.client_tab, name="client_tab"),
    path("systematization/", views.systematization, name="systematization"),
    path("standards/", views_standards.standards_page, name="standards"),
    path("standards/targets/", views_standards.target_save, name="target_save"),
    path("standards/target-versions/", views_standards.target_version_save, name="target_version_save"),
    path("standards/service-targets/", views_standards.service_targets_save, name="service_targets_save"),
    path("standards/calendar/", views_standards.calendar_save, name="calendar_save"),
    path("standards/holidays/", views_standards.holiday_add, name="holiday_add"),
    path("standards/holidays/<int:pk>/delete/", views_standards.holiday_delete, name="holiday_delete"),
    path("standards/categories/", views_standards.category_save, name="category_save"),
    path("standards/documents/", views_standards.document_create, name="document_create"),
    path("standards/documents/<int:pk>/", views_standards.document_detail, name="document"),
    path("standards/documents/<int:pk>/publish/", views_standards.document_publish, name="document_publish"),
    path(
        "standards/documents/<int:pk>/acknowledge/", views_standards.document_acknowledge, name="document_acknowledge"
    ),
    path("standards/compliance/", views_standards.compliance, name="compliance"),
    # Public, no login
    path("submit/", public.public_form, name="public_form"),
    path("submit/thanks/", public.public_thanks, name="public_thanks"),
    path("survey/<str:token>/", public.survey, name="survey"),
]

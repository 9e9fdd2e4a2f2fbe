from django.urls import path

from . import card_views, import_views, personal_data_views, views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("export.csv", views.client_export, name="export"),
    path("new/", views.client_new, name="new"),
    path("duplicates/", views.client_duplicates, name="duplicates"),
    path("merge/", views.client_merge, name="merge"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/<str:outcome>/", card_views.task_close, name="task_close"),
    path("promises/<int:promise_id>/<str:outcome>/", card_views.promise_resolve, name="promise_resolve"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:job_id>/", import_views.import_detail, name="import_detail"),
    path("import/<int:job_id>/progress/", import_views.import_progress, name="import_progress"),
    path("<int:client_id>/", card_views.client_card, name="card"),
    path("<int:client_id>/billing/", card_views.client_billing, name="billing"),
    path("<int:client_id>/edit/", card_views.client_edit, name="edit"),
    path("<int:client_id>/tab/overview/", card_views.tab_overview, name="tab_overview"),
    path("<int:client_id>/tab/timeline/", card_views.tab_timeline, name="tab_timeline"),
    path("<int:client_id>/tab/contacts/", card_views.tab_contacts, name="tab_contacts"),
    path("<int:client_id>/tab/promises/", card_views.tab_promises, name="tab_promises"),
    path("<int:client_id>/tab/tasks/", card_views.tab_tasks, name="tab_tasks"),
    path("<int:client_id>/tab/history/", card_views.tab_history, name="tab_history"),
    path("<int:client_id>/interactions/", card_views.interaction_new, name="interaction_new"),
    path("<int:client_id>/promises/", card_views.promise_new, name="promise_new"),
    path("<int:client_id>/tasks/", card_views.task_new, name="task_new"),
    path("<int:client_id>/contacts/", card_views.contact_new, name="contact_new"),
    path("<int:client_id>/consent/", card_views.consent_change, name="consent"),
    path("<int:client_id>/reassign/", card_views.client_reassign, name="reassign"),
    path("<int:client_id>/personal-data/", personal_data_views.personal_data_page, name="personal_data"),
    path(
        "<int:client_id>/personal-data/export.json",
        personal_data_views.personal_data_export,
        name="personal_data_export",
    ),
    path("<int:client_id>/personal-data/erase/", personal_data_views.personal_data_erase, name="personal_data_erase"),
]

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/retry/", views.notification_retry, name="retry"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("news/", views.news_list, name="news_list"),
    path("news/new/", views.news_create, name="news_create"),
    path("news/<int:pk>/", views.news_detail, name="news_detail"),
    path("news/<int:pk>/progress/", views.news_progress, name="news_progress"),
    path("news/<int:pk>/cancel/", views.news_cancel, name="news_cancel"),
    path("print-batches/", views.print_batch_list, name="print_batches"),
    path("print-batches/<int:pk>/letters.pdf", views.print_batch_pdf, name="print_batch_pdf"),
    path("print-batches/<int:pk>/mailing-list.csv", views.print_batch_csv, name="print_batch_csv"),
    path("print-batches/<int:pk>/close/", views.print_batch_close, name="print_batch_close"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

from django.contrib import admin

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "client", "manager", "status", "satisfaction", "recommendation", "sent_at"]
    list_filter = ["kind", "status", "is_low"]
    raw_id_fields = ["client", "manager", "segment", "follow_up_task"]
    readonly_fields = ["token"]
    search_fields = ["client__name"]

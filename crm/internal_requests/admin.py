from django.contrib import admin

from .models import InternalRequest, RequestKind, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    filter_horizontal = ["members"]


@admin.register(RequestKind)
class RequestKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "team", "turnaround_hours", "is_active"]


@admin.register(InternalRequest)
class InternalRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "team", "status", "due_at", "assignee", "rating"]
    list_filter = ["team", "status"]
    readonly_fields = [f.name for f in InternalRequest._meta.fields]

    def has_add_permission(self, request):
        return False

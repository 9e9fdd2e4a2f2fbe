from django.contrib import admin

from . import models


@admin.register(models.ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    list_display = ["kind", "severity", "category", "first_response_hours", "resolution_hours"]
    list_filter = ["kind", "severity", "category"]


@admin.register(models.ComplaintCategory)
class ComplaintCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "owner", "script", "handling_cost", "is_active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    filter_horizontal = ["members"]


class GoodwillInline(admin.TabularInline):
    model = models.GoodwillGesture
    extra = 0
    raw_id_fields = ["client", "given_by"]


@admin.register(models.Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "client", "category", "severity", "priority", "status", "assigned_to"]
    list_filter = ["kind", "status", "severity", "category"]
    search_fields = ["reference", "text", "client__name"]
    raw_id_fields = ["client", "purchase", "product", "assigned_to", "created_by"]
    # Whose an anonymous complaint is, is decided in the triage queue (services.complaint_match_confirm).
    readonly_fields = ["client_match", "suggested_client", "match_decided_by", "match_decided_at"]
    inlines = [GoodwillInline]


@admin.register(models.Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = ["complaint", "clock", "stage", "due_at", "detected_at"]


@admin.register(models.GoodwillGesture)
class GoodwillGestureAdmin(admin.ModelAdmin):
    list_display = ["complaint", "client", "kind", "cost", "given_at", "given_by"]
    raw_id_fields = ["complaint", "client", "given_by"]


@admin.register(models.SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ["complaint", "sent_at", "answered_at", "score", "recommendation"]

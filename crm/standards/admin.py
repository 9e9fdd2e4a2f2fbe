from django.contrib import admin

from . import models


@admin.register(models.BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["__str__"]


@admin.register(models.Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]


@admin.register(models.ServiceTargets)
class ServiceTargetsAdmin(admin.ModelAdmin):
    list_display = ["invoice_issue_hours", "key_client_max_days_without_contact", "complaint_handling_cost"]


class VersionInline(admin.TabularInline):
    model = models.StandardDocumentVersion
    extra = 0


@admin.register(models.StandardDocument)
class StandardDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "current_version", "is_active"]
    inlines = [VersionInline]


@admin.register(models.Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["version", "user", "acknowledged_at"]

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ChannelConsent,
    Client,
    ClientMerge,
    ContactPerson,
    FollowUpTask,
    ImportJob,
    Interaction,
    ManagerAssignment,
    News,
    Promise,
    Segment,
    Tag,
)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ContactInline(admin.TabularInline):
    model = ContactPerson
    extra = 0


class ConsentInline(admin.TabularInline):
    model = ChannelConsent
    extra = 0
    readonly_fields = ["channel", "purpose", "status", "given_at", "source", "recorded_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # consents change through the card (clients.services.consent_set), with history


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "phone", "email", "segment", "manager", "status", "external_id"]
    list_filter = ["kind", "status", "segment"]
    search_fields = ["name", "email", "phone", "external_id"]
    list_select_related = ["segment", "manager"]
    raw_id_fields = ["manager", "first_contact_by", "merged_into"]
    filter_horizontal = ["tags"]
    inlines = [ContactInline, ConsentInline]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["client", "kind", "occurred_at", "staff"]
    list_select_related = ["client", "staff"]
    raw_id_fields = ["client"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "client", "assignee", "due_date", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["client", "assignee"]
    raw_id_fields = ["client"]


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["client", "promised_by", "due_date", "status"]
    list_filter = ["status"]
    list_select_related = ["client", "promised_by"]
    raw_id_fields = ["client"]


@admin.register(ManagerAssignment)
class ManagerAssignmentAdmin(admin.ModelAdmin):
    list_display = ["client", "manager", "previous_manager", "assigned_at"]
    list_select_related = ["client", "manager", "previous_manager"]
    raw_id_fields = ["client"]


@admin.register(ClientMerge)
class ClientMergeAdmin(admin.ModelAdmin):
    list_display = ["survivor", "loser_id", "merged_by", "merged_at"]
    readonly_fields = ["survivor", "loser_id", "loser_snapshot", "moved", "merged_by", "merged_at"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "status", "total", "created_count", "created_by", "created_at"]
    exclude = ["rows"]


@admin.register(News)
class NewsAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "scheduled_at", "total", "processed"]
    list_filter = ["status"]
    filter_horizontal = ["segments"]

from django.contrib import admin

from .models import MessageTemplate, Notification, PrintBatch


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "client", "user", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["dedup_key", "subject", "client__name", "user__username"]
    raw_id_fields = ["client", "user", "news", "print_batch"]
    readonly_fields = ["created_at", "updated_at", "sent_at", "claimed_at", "provider_message_id"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["event", "channel", "subject", "is_active", "updated_at"]
    list_filter = ["channel", "is_active"]


@admin.register(PrintBatch)
class PrintBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "created_at", "closed_at"]

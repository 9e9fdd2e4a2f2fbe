from django.contrib import admin

from .models import LoginSlowdown


@admin.register(LoginSlowdown)
class LoginSlowdownAdmin(admin.ModelAdmin):
    """Read-only: the Login locks page lifts slowdowns (through the service, which logs who did)."""

    list_display = ["username", "failures", "first_failure_at", "last_failure_at", "next_attempt_at", "last_address"]
    search_fields = ["username", "last_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

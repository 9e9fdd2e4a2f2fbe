from django.contrib import admin

from .models import ReportSnapshot


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "period", "period_end", "generated_at", "row_count", "duration_ms"]
    list_filter = ["kind", "period"]
    date_hierarchy = "generated_at"
    readonly_fields = [f.name for f in ReportSnapshot._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

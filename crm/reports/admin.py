from django.contrib import admin

from .models import ReportRun, ReportSnapshot


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


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Read-only: a run is started from the reports pages or the API and moved only by its worker."""

    list_display = ["id", "period", "as_of", "status", "cursor", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "period"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

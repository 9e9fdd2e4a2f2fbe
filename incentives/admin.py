from django.contrib import admin

from .models import Award, AwardRule, AwardType, CreditSplit, IncentiveSettings, PeriodClose, SalesPlan, ScoreSnapshot


@admin.register(IncentiveSettings)
class IncentiveSettingsAdmin(admin.ModelAdmin):
    list_display = ("credit_to", "updated_at")

    def has_add_permission(self, request):
        return not IncentiveSettings.objects.exists()  # a singleton (pk=1)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditSplit)
class CreditSplitAdmin(admin.ModelAdmin):
    list_display = ("purchase", "user", "share_percent")
    readonly_fields = ("purchase", "user", "share_percent", "created_at")

    def has_add_permission(self, request):
        return False  # splits go through the setup page (services.credit_split_set checks the shares)

    def has_change_permission(self, request, obj=None):
        return False


class ViewOnlyAdmin(admin.ModelAdmin):
    """Written through the services (Setup and Awards pages) so their rules always apply."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SalesPlan)
class SalesPlanAdmin(ViewOnlyAdmin):
    list_display = ("period", "user", "target_points", "target_revenue")
    list_filter = ("period",)


@admin.register(AwardType)
class AwardTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active")


@admin.register(AwardRule)
class AwardRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "period_kind", "award_type", "winners", "min_fulfilment_percent", "is_active")


@admin.register(Award)
class AwardAdmin(ViewOnlyAdmin):
    list_display = ("period", "user", "award_type", "cash_amount", "status")
    list_filter = ("status", "period")
    list_select_related = ("user", "award_type")


class SnapshotInline(admin.TabularInline):
    model = ScoreSnapshot
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in ScoreSnapshot._meta.fields]


@admin.register(PeriodClose)
class PeriodCloseAdmin(admin.ModelAdmin):
    list_display = ("period", "closed_at", "closed_by", "company_score")
    readonly_fields = [f.name for f in PeriodClose._meta.fields]
    inlines = [SnapshotInline]

    def has_add_permission(self, request):
        return False  # periods close through the service (snapshot + award proposals)

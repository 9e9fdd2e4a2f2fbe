"""REST API: the leaderboard, sales plans, the award catalogue and awards (approve/reject), closing a period,
the credit setting and credit splits: what the incentive pages offer. Product weights are set through the
purchases app's `products/{id}/weights/` endpoint."""

from decimal import Decimal

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import SyncFilterSet, UtcDateTimeFilter
from crm.api.pagination import CursorPagination
from crm.api.permissions import ALL_ROLES, roles
from crm.roles import Role, is_admin
from purchases.models import Purchase

from . import periods, selectors, services
from .models import Award, AwardRule, AwardType, CreditSplit, IncentiveSettings, PeriodClose, SalesPlan

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR


class StandingSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    rank = serializers.IntegerField()
    weighted_score = serializers.DecimalField(max_digits=16, decimal_places=2)
    locomotive_score = serializers.DecimalField(max_digits=16, decimal_places=2)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    plan_target = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    revenue_target = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    fulfilment_percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    contribution_percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)

    def get_name(self, row) -> str:
        return row.user.get_full_name() or row.user.username


class LeaderboardSerializer(serializers.Serializer):
    period = serializers.CharField()
    closed = serializers.BooleanField()
    company_score = serializers.DecimalField(max_digits=16, decimal_places=2)
    company_revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    company_plan_target = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    results = StandingSerializer(many=True)


class LeaderboardView(APIView):
    permission_classes = [roles(SM, ADM)]

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="YYYY-MM or YYYY-Qn; default: this month")],
        responses=LeaderboardSerializer,
    )
    def get(self, request):
        period = periods.parse(request.query_params.get("period") or str(periods.current()))
        board = selectors.leaderboard(period)
        data = {
            "period": str(period),
            "closed": board.closed is not None,
            "company_score": board.company_score,
            "company_revenue": board.company_revenue,
            "company_plan_target": board.company_plan.target_points if board.company_plan else None,
            "results": board.rows,
        }
        return Response(LeaderboardSerializer(data).data)


class ServiceStandingSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    rank = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="0-100; see the page for the formula")
    done = serializers.IntegerField(help_text="Requests completed in the period")
    on_time = serializers.IntegerField()
    on_time_percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    avg_turnaround_hours = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Working hours")
    avg_target_hours = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Working hours")
    avg_rating = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    ratings = serializers.IntegerField()

    def get_name(self, row) -> str:
        return row.user.get_full_name() or row.user.username


class ServiceLeaderboardSerializer(serializers.Serializer):
    period = serializers.CharField()
    results = ServiceStandingSerializer(many=True)


class ServiceLeaderboardView(APIView):
    """Staff who serve colleagues, ranked by their internal-request score: 50 x share on time + 25 x speed
    against the standard + 25 x the requesters' rating (every role reads)."""

    permission_classes = [roles(SM, ACC, ADM)]

    @extend_schema(
        operation_id="incentives_service_leaderboard",
        parameters=[OpenApiParameter("period", str, description="YYYY-MM or YYYY-Qn; default: this month")],
        responses=ServiceLeaderboardSerializer,
    )
    def get(self, request):
        period = periods.parse(request.query_params.get("period") or str(periods.current()))
        data = {"period": str(period), "results": selectors.service_leaderboard(period)}
        return Response(ServiceLeaderboardSerializer(data).data)


class SalesPlanSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )
    # Plain decimals here: the service says why a value is refused (negative, closed period).
    target_points = serializers.DecimalField(max_digits=16, decimal_places=2)
    target_revenue = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = SalesPlan
        fields = ["id", "period", "user", "target_points", "target_revenue", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators = []  # the service upserts (period, user)


class SalesPlanFilter(SyncFilterSet):
    class Meta:
        model = SalesPlan
        fields = ["period", "user"]


class SalesPlanListCreate(generics.ListCreateAPIView):
    permission_classes = [roles(ADM, read=(SM,))]
    serializer_class = SalesPlanSerializer
    pagination_class = CursorPagination
    filterset_class = SalesPlanFilter
    queryset = SalesPlan.objects.select_related("user")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.sales_plan_set(
            period=data["period"],
            user=data.get("user"),
            target_points=data["target_points"],
            target_revenue=data["target_revenue"],
            by=self.request.user,
        )


class AwardTypeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="One of: " + ", ".join(AwardType.Kind.values))

    class Meta:
        model = AwardType
        fields = ["id", "name", "kind", "description", "is_active", "is_material"]
        read_only_fields = ["id", "is_active", "is_material"]
        extra_kwargs = {"name": {"validators": []}}


class AwardTypeFilter(SyncFilterSet):
    class Meta:
        model = AwardType
        fields = ["is_active"]


class AwardTypeListCreate(generics.ListCreateAPIView):
    permission_classes = [roles(ADM, read=ALL_ROLES)]
    serializer_class = AwardTypeSerializer
    queryset = AwardType.objects.all()
    filterset_class = AwardTypeFilter

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.award_type_create(
            name=data["name"], kind=data["kind"], description=data.get("description", ""), by=self.request.user
        )


class AwardRuleSerializer(serializers.ModelSerializer):
    award_type = serializers.PrimaryKeyRelatedField(queryset=AwardType.objects.all())
    # Plain numbers: the service says why a value is refused.
    winners = serializers.IntegerField(default=1)
    min_fulfilment_percent = serializers.DecimalField(max_digits=6, decimal_places=2, default=Decimal("100"))
    bonus_base = serializers.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    bonus_percent = serializers.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    bonus_cap = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, required=False)

    class Meta:
        model = AwardRule
        fields = [
            "id",
            "name",
            "period_kind",
            "award_type",
            "winners",
            "min_fulfilment_percent",
            "bonus_base",
            "bonus_percent",
            "bonus_cap",
            "scope",
            "role",
            "is_active",
        ]
        read_only_fields = ["id", "is_active"]
        extra_kwargs = {"scope": {"required": False}, "role": {"required": False}}


class AwardRuleFilter(SyncFilterSet):
    class Meta:
        model = AwardRule
        fields = ["is_active", "period_kind"]


class AwardRuleListCreate(generics.ListCreateAPIView):
    """Award rules: bonus = bonus_base + bonus_percent % of the weighted score over the personal target."""

    permission_classes = [roles(ADM, read=(SM,))]
    serializer_class = AwardRuleSerializer
    queryset = AwardRule.objects.select_related("award_type")
    filterset_class = AwardRuleFilter

    def perform_create(self, serializer):
        serializer.instance = services.award_rule_create(by=self.request.user, **serializer.validated_data)


class AwardSerializer(serializers.ModelSerializer):
    award_type = serializers.CharField(source="award_type.name")
    kind = serializers.CharField(source="award_type.kind")
    username = serializers.CharField(source="user.username")
    cash_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text=gettext_lazy("Null unless you are the person awarded, an administrator or an accountant."),
    )

    def to_representation(self, award):
        data = super().to_representation(award)
        request = self.context.get("request")  # fail closed: no viewer, no amount
        if request is None or not selectors.can_see_cash_amount(request.user, award):
            data["cash_amount"] = None
        return data

    class Meta:
        model = Award
        fields = [
            "id",
            "period",
            "user",
            "username",
            "award_type",
            "kind",
            "weighted_score",
            "fulfilment_percent",
            "cash_amount",
            "reason",
            "status",
            "decided_at",
            "updated_at",
        ]
        read_only_fields = fields


class AwardFilter(SyncFilterSet):
    class Meta:
        model = Award
        fields = ["period", "status", "user"]


class AwardList(generics.ListAPIView):
    """Administrators see every award; other roles the approved ones (the recognition board)."""

    permission_classes = [roles(ADM, read=ALL_ROLES)]
    serializer_class = AwardSerializer
    pagination_class = CursorPagination
    filterset_class = AwardFilter

    def get_queryset(self):
        qs = selectors.award_list()
        return qs if is_admin(self.request.user) else qs.filter(status=Award.Status.APPROVED)


class AwardDecide(APIView):
    permission_classes = [roles(ADM)]
    approve = True

    @extend_schema(request=None, responses=AwardSerializer)
    def post(self, request, pk: int):
        award = get_object_or_404(Award, pk=pk)
        award = services.award_decide(award=award, approve=self.approve, by=request.user)
        return Response(AwardSerializer(award, context={"request": request}).data)


# --- closing a period -----------------------------------------------------------------------------------


class PeriodCloseSerializer(serializers.ModelSerializer):
    period = serializers.CharField(max_length=7, help_text=gettext_lazy("YYYY-MM (a month) or YYYY-Qn (a quarter)."))

    class Meta:
        model = PeriodClose
        fields = [
            "id",
            "period",
            "kind",
            "starts_at",
            "ends_at",
            "closed_at",
            "closed_by",
            "company_score",
            "company_revenue",
        ]
        read_only_fields = [f for f in fields if f != "period"]


class PeriodCloseFilter(django_filters.FilterSet):
    updated_since = UtcDateTimeFilter(field_name="closed_at", lookup_expr="gte")  # a close is written once

    class Meta:
        model = PeriodClose
        fields = ["kind"]


class PeriodCloseListCreate(generics.ListCreateAPIView):
    """Closed periods, newest first. POST closes one (administrators): its scores are frozen and the award
    rules propose awards to decide (`awards/?status=proposed`). A period already closed answers 409."""

    permission_classes = [roles(ADM, read=(SM,))]
    serializer_class = PeriodCloseSerializer
    pagination_class = CursorPagination
    filterset_class = PeriodCloseFilter
    queryset = PeriodClose.objects.all()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        close = services.period_close(period=serializer.validated_data["period"], by=request.user)
        return Response(PeriodCloseSerializer(close).data, status=status.HTTP_201_CREATED)


# --- the credit setting and credit splits ---------------------------------------------------------------


class IncentiveSettingsSerializer(serializers.ModelSerializer):
    credit_to = serializers.ChoiceField(
        choices=IncentiveSettings.CreditTo.choices,
        help_text=gettext_lazy(
            "Who is credited with a sale that has no credit split: the recorder or the client's manager."
        ),
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = IncentiveSettings
        fields = ["credit_to", "updated_at"]
        read_only_fields = ["updated_at"]


class IncentiveSettingsView(APIView):
    """Who is credited with a sale (administrators read and PUT)."""

    permission_classes = [roles(ADM)]

    @extend_schema(responses=IncentiveSettingsSerializer)
    def get(self, request):
        return Response(IncentiveSettingsSerializer(selectors.incentive_settings_get()).data)

    @extend_schema(request=IncentiveSettingsSerializer, responses=IncentiveSettingsSerializer)
    def put(self, request):
        data = IncentiveSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.incentive_settings_update(credit_to=data.validated_data["credit_to"], by=request.user)
        return Response(IncentiveSettingsSerializer(row).data)


class CreditShareSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    username = serializers.CharField(source="user.username", read_only=True)
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        model = CreditSplit
        fields = ["user", "username", "share_percent"]


class CreditSplitSerializer(serializers.Serializer):
    shares = CreditShareSerializer(
        many=True,
        help_text=gettext_lazy("At most two staff members whose shares add up to 100; empty removes the split."),
    )


def _shares_body(purchase_id: int) -> dict:
    rows = CreditSplit.objects.filter(purchase_id=purchase_id).select_related("user")
    return {"purchase": purchase_id, "shares": CreditShareSerializer(rows, many=True).data}


class CreditSplitResponseSerializer(CreditSplitSerializer):
    purchase = serializers.IntegerField()


class CreditSplitView(APIView):
    """A sale's credit split between staff (administrators). PUT replaces it; its returns follow the sale."""

    permission_classes = [roles(ADM)]

    @extend_schema(responses=CreditSplitResponseSerializer)
    def get(self, request, purchase: int):
        get_object_or_404(Purchase, pk=purchase)
        return Response(_shares_body(purchase))

    @extend_schema(request=CreditSplitSerializer, responses=CreditSplitResponseSerializer)
    def put(self, request, purchase: int):
        sale = get_object_or_404(Purchase, pk=purchase)
        data = CreditSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shares = [(row["user"], row["share_percent"]) for row in data.validated_data["shares"]]
        services.credit_split_set(purchase=sale, shares=shares, by=request.user)
        return Response(_shares_body(sale.pk))

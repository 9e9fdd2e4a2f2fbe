"""API twins of the complaint pages' remaining actions: triage and assignment (detail page), complaint
categories (standards page) and the figures of the systematization and compliance pages. Each calls the
service or analytics function the page calls, with the page's roles."""

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import SyncFilterSet
from crm.api.permissions import ALL_ROLES, roles
from crm.api.writes import ServiceWriteMixin
from crm.db import reads_from_replica
from crm.roles import Role
from crm.standards.models import StandardDocument

from . import analytics, rules, selectors, services, standards
from .api import ComplaintSerializer, TargetSerializer, choice
from .models import Complaint, ComplaintCategory, ResponseTarget

ADM = Role.ADMINISTRATOR
Handle = roles(*rules.HANDLER_ROLES)
ReadAllWriteAdmin = roles(ADM, read=ALL_ROLES)
User = get_user_model()


def _complaint_body(complaint: Complaint) -> dict:
    return ComplaintSerializer(selectors.complaint_list().get(pk=complaint.pk)).data


# --- triage and assignment ----------------------------------------------------------------------------


class TriageSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ComplaintCategory.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Category code; empty keeps the current category."),
    )
    severity = serializers.ChoiceField(choices=Complaint.Severity.choices, required=False, default=None)
    kind = choice(Complaint.Kind.choices, required=False, default=None)
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "User id; empty: the client's manager or the category owner when nobody is assigned yet."
        ),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ComplaintTriage(APIView):
    """Classify a complaint (category, severity, kind), recompute its priority and due times, move a new or
    reopened one to triaged and assign it, as the detail page's triage form does."""

    permission_classes = [Handle]

    @extend_schema(request=TriageSerializer, responses=ComplaintSerializer)
    def post(self, request, pk: int):
        complaint = get_object_or_404(Complaint, pk=pk)
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_triage(complaint=complaint, by=request.user, **data.validated_data)
        return Response(_complaint_body(complaint))


class AssignSerializer(serializers.Serializer):
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text=gettext_lazy("A sales manager or an administrator (user id).")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ComplaintAssign(APIView):
    """Hand a complaint to another sales manager or administrator (they are notified)."""

    permission_classes = [Handle]

    @extend_schema(request=AssignSerializer, responses=ComplaintSerializer)
    def post(self, request, pk: int):
        complaint = get_object_or_404(Complaint, pk=pk)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_assign(
            complaint=complaint,
            to=data.validated_data["assigned_to"],
            by=request.user,
            note=data.validated_data["note"],
        )
        return Response(_complaint_body(complaint))


# --- categories ---------------------------------------------------------------------------------------


class ComplaintCategorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=ComplaintCategory.objects.all(), required=False, allow_null=True, default=None
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "Assignee when the client has no manager: a sales manager or an administrator (user id)."
        ),
    )
    script = serializers.PrimaryKeyRelatedField(
        queryset=StandardDocument.objects.all(), required=False, allow_null=True, default=None
    )
    standards = serializers.PrimaryKeyRelatedField(
        queryset=StandardDocument.objects.all(), many=True, required=False, default=list
    )
    handling_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )

    class Meta:
        model = ComplaintCategory
        fields = [
            "id",
            "name",
            "code",
            "parent",
            "owner",
            "prefer_owner",
            "script",
            "standards",
            "handling_cost",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        # Unique name and code are the service's rules: the page and the API give the same message.
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class CategoryFilter(SyncFilterSet):
    class Meta:
        model = ComplaintCategory
        fields = ["is_active", "parent"]


class _Categories(ServiceWriteMixin):
    # what the list and the detail share: who may do what, the rows, and the service that writes
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = ComplaintCategorySerializer

    def get_queryset(self):
        return selectors.category_list()

    def write(self, instance=None, **data):
        return standards.category_save(category=instance, **data)


class CategoryList(_Categories, generics.ListCreateAPIView):
    """Complaint categories (every role reads; administrators create). Codes are what complaint create and
    triage take as `category`."""

    filterset_class = CategoryFilter
    search_fields = ["name", "code"]


class CategoryDetail(_Categories, generics.RetrieveUpdateAPIView):
    def current(self, instance) -> dict:
        return {
            "name": instance.name,
            "code": instance.code,
            "parent": instance.parent,
            "owner": instance.owner,
            "prefer_owner": instance.prefer_owner,
            "script": instance.script,
            "standards": list(instance.standards.all()),
            "handling_cost": instance.handling_cost,
            "is_active": instance.is_active,
        }

    def respond(self, instance) -> dict:
        return self.get_serializer(selectors.category_list().get(pk=instance.pk)).data


# --- response targets ---------------------------------------------------------------------------------


class TargetFilter(SyncFilterSet):
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = ResponseTarget
        fields = ["kind", "severity", "category"]


class TargetList(generics.ListCreateAPIView):
    """Response targets (working hours to first response and resolution) per kind, severity and category, as
    a syncable list (`service-standards/` shows them with the rest of the standards). Every role reads;
    administrators POST, which upserts by (kind, severity, category)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = TargetSerializer
    filterset_class = TargetFilter

    def get_queryset(self):
        return selectors.target_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = standards.target_set(**serializer.validated_data)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


# --- figures ------------------------------------------------------------------------------------------


class FigureRowSerializer(serializers.Serializer):
    """One row of compliance figures: shares met (percent), clocks counted, survey average, service score."""

    label = serializers.CharField()
    first_response = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    resolution = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    fr_total = serializers.IntegerField()
    res_total = serializers.IntegerField()
    compliance = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    satisfaction = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class PeriodRowsSerializer(serializers.Serializer):
    week = FigureRowSerializer()
    month = FigureRowSerializer()
    quarter = FigureRowSerializer()


class InvoiceShareSerializer(serializers.Serializer):
    pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    total = serializers.IntegerField()


class InvoicePeriodsSerializer(serializers.Serializer):
    week = InvoiceShareSerializer()
    month = InvoiceShareSerializer()
    quarter = InvoiceShareSerializer()


class InvoiceTurnaroundSerializer(serializers.Serializer):
    accountant = serializers.IntegerField(source="accountant.pk", allow_null=True, default=None)
    accountant_username = serializers.CharField(source="accountant.username", allow_null=True, default=None)
    issued = serializers.IntegerField()
    median_hours = serializers.FloatField()
    within_standard = serializers.FloatField()


class ComplianceSerializer(serializers.Serializer):
    period = serializers.CharField()
    overall = FigureRowSerializer()
    periods = PeriodRowsSerializer()
    staff = FigureRowSerializer(many=True)
    teams = FigureRowSerializer(many=True)
    invoices = InvoicePeriodsSerializer()
    invoice_staff = InvoiceTurnaroundSerializer(many=True)
    invoice_standard_hours = serializers.DecimalField(max_digits=6, decimal_places=2)


class ComplianceQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(analytics.PERIODS), default="month")


class ComplianceFigures(APIView):
    """The compliance page's figures: how often the response standards were met (overall, per period, staff
    and team), each staff member's service score, and the invoice issuing standard. Every role reads."""

    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(
        parameters=[OpenApiParameter("period", str, enum=list(analytics.PERIODS), description="Default: month.")],
        responses=ComplianceSerializer,
    )
    @reads_from_replica
    def get(self, request):
        query = ComplianceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(ComplianceSerializer(analytics.compliance(**query.validated_data)).data)


class PivotRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    cells = serializers.ListField(
        child=serializers.IntegerField(), help_text=gettext_lazy("One count per month in `months`.")
    )
    total = serializers.IntegerField()


class PivotSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateTimeField())
    rows = PivotRowSerializer(many=True)


class RootCauseSerializer(serializers.Serializer):
    label = serializers.CharField()
    n = serializers.IntegerField()


class MonthlyComplianceSerializer(FigureRowSerializer):
    month = serializers.DateTimeField()


class MonthlySatisfactionSerializer(serializers.Serializer):
    month = serializers.DateTimeField()
    avg = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    nps_avg = serializers.FloatField(allow_null=True)


class OverallSatisfactionSerializer(serializers.Serializer):
    avg = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class SystematizationSerializer(serializers.Serializer):
    by_kind = PivotSerializer()
    by_category = PivotSerializer()
    by_product = PivotSerializer()
    by_segment = PivotSerializer()
    root_causes = RootCauseSerializer(many=True)
    compliance = MonthlyComplianceSerializer(many=True)
    satisfaction = MonthlySatisfactionSerializer(many=True)
    overall_satisfaction = OverallSatisfactionSerializer()


class SystematizationQuery(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=36, default=12)


class SystematizationFigures(APIView):
    """The systematization page's figures: complaints per month by kind, category, product and segment, the
    top root causes, and monthly compliance and satisfaction. Sales managers and administrators."""

    permission_classes = [Handle]

    @extend_schema(
        parameters=[OpenApiParameter("months", int, description="1 to 36; default 12.")],
        responses=SystematizationSerializer,
    )
    @reads_from_replica
    def get(self, request):
        query = SystematizationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(SystematizationSerializer(analytics.systematization(**query.validated_data)).data)

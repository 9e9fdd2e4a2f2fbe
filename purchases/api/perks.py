"""REST endpoints of perks given without a complaint (purchases/perks.py has the rules): the perk kinds
(every role reads; administrators add and change them), the perks (every role reads, cursor-paginated with
updated_since; sales managers record them for their clients, administrators for anyone and for segments),
and ending a standing perk."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client, Segment
from crm.api.filters import IdFilter, SyncFilterSet
from crm.api.permissions import ALL_ROLES, ReadAllWriteAdmin, roles
from crm.roles import Role

from .. import selectors, services
from ..models import Perk, PerkKind
from ..perks import accrued_cost


class PerkKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerkKind
        fields = ["id", "name", "code", "default_cost", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        # uniqueness is the service's rule: one message for the page and the API
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class PerkKindFilter(SyncFilterSet):
    class Meta:
        model = PerkKind
        fields = ["is_active"]


class PerkKindList(generics.ListCreateAPIView):
    """Perk kinds (read: every role; write: administrators)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = PerkKindSerializer
    filterset_class = PerkKindFilter

    def get_queryset(self):
        return selectors.perk_kind_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = services.perk_kind_save(**serializer.validated_data)
        return Response(PerkKindSerializer(kind).data, status=status.HTTP_201_CREATED)


class PerkKindDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = PerkKindSerializer

    def get_queryset(self):
        return selectors.perk_kind_list()

    def update(self, request, *args, **kwargs):
        kind = self.get_object()
        serializer = self.get_serializer(kind, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = {"name": kind.name, "code": kind.code, "default_cost": kind.default_cost, "is_active": kind.is_active}
        data.update(serializer.validated_data)
        return Response(PerkKindSerializer(services.perk_kind_save(kind=kind, **data)).data)


class PerkSerializer(serializers.ModelSerializer):
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    accrued_cost = serializers.SerializerMethodField(help_text="What the perk has cost up to now (Decimal string).")

    class Meta:
        model = Perk
        fields = [
            "id",
            "kind",
            "kind_name",
            "scope",
            "client",
            "segment",
            "cost",
            "accrual",
            "starts_at",
            "ends_at",
            "accrued_cost",
            "note",
            "given_by",
            "created_at",
            "updated_at",
        ]

    def get_accrued_cost(self, obj) -> str:
        return str(accrued_cost(obj, self.context.get("as_of") or timezone.now()))


class PerkInput(serializers.Serializer):
    kind = serializers.PrimaryKeyRelatedField(queryset=PerkKind.objects.all())
    scope = serializers.ChoiceField(choices=Perk.Scope.choices)
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all(), required=False, allow_null=True)
    segment = serializers.PrimaryKeyRelatedField(queryset=Segment.objects.all(), required=False, allow_null=True)
    cost = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Empty: the kind's usual cost. Standing: the cost per purchase or per 30 days.",
    )
    accrual = serializers.ChoiceField(
        choices=[Perk.Accrual.PER_PURCHASE, Perk.Accrual.PER_PERIOD],
        required=False,
        allow_blank=True,
        help_text="Standing perks: per_purchase (default) or per_period (every 30 days in force or part).",
    )
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="Standing perks: the last day.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PerkFilter(SyncFilterSet):
    client = IdFilter(field_name="client_id")
    segment = IdFilter(field_name="segment_id")
    kind = IdFilter(field_name="kind_id")

    class Meta:
        model = Perk
        fields = ["scope", "accrual"]


class PerkList(generics.ListCreateAPIView):
    """Perks given without a complaint, newest first (cursor-paginated; filters: client, segment, kind, scope,
    accrual, updated_since). Every role reads; sales managers record perks for their own and unassigned
    clients, administrators any perk (a standing perk for a segment only they)."""

    permission_classes = [roles(Role.SALES_MANAGER, Role.ADMINISTRATOR, read=ALL_ROLES)]
    serializer_class = PerkSerializer
    filterset_class = PerkFilter

    def get_queryset(self):
        return selectors.perk_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_of": timezone.now()}

    @extend_schema(request=PerkInput, responses={201: PerkSerializer})
    def post(self, request, *args, **kwargs):
        data = PerkInput(data=request.data)
        data.is_valid(raise_exception=True)
        perk = services.perk_record(by=request.user, **data.validated_data)
        perk = selectors.perk_list().get(pk=perk.pk)
        return Response(PerkSerializer(perk, context=self.get_serializer_context()).data, status=201)


class PerkEndInput(serializers.Serializer):
    last_day = serializers.DateField()


class PerkEnd(APIView):
    """End a standing perk after its last day (who may record it may end it)."""

    permission_classes = [roles(Role.SALES_MANAGER, Role.ADMINISTRATOR)]

    @extend_schema(request=PerkEndInput, responses=PerkSerializer)
    def post(self, request, pk: int):
        perk = get_object_or_404(Perk, pk=pk)
        data = PerkEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.perk_end(perk=perk, last_day=data.validated_data["last_day"], by=request.user)
        return Response(PerkSerializer(selectors.perk_list().get(pk=pk), context={"as_of": timezone.now()}).data)

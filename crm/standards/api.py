"""/api/v1/: a client's service record, the failures across clients, resolving a failure, and the key-client
rule and flags. The same services and rights as the pages (views.py)."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api.common import choice_field
from clients.models import Client
from crm.api.filters import IdFilter, SyncFilterSet
from crm.api.permissions import roles
from crm.roles import Role

from . import failures, key_clients
from .models import KeyClientRule, ServiceFailure

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ReadStaffWriteSalesAdmin = roles(SM, ADM, read=(ACC,))
AdministratorOnly = roles(ADM)


class ServiceFailureSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    manager = serializers.IntegerField(source="client.manager_id", read_only=True, allow_null=True)
    resolved_by = serializers.IntegerField(source="resolved_by_id", read_only=True, allow_null=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = ServiceFailure
        fields = [
            "id", "client", "manager", "kind", "kind_label", "title", "occurred_at", "detected_at", "is_open",
            "resolved_at", "resolved_by", "resolution_note", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_kind_label(self, obj) -> str:
        return failures.kind_label(obj.kind)


class FailureFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("open", gettext_lazy("Open")), ("resolved", gettext_lazy("Resolved"))], method="filter_status"
    )
    manager = IdFilter(field_name="client__manager_id")
    client = IdFilter(field_name="client_id")
    kind = django_filters.CharFilter(field_name="kind", max_length=30)

    class Meta:
        model = ServiceFailure
        fields = ["status", "manager", "client", "kind", "updated_since"]

    def filter_status(self, qs, name, value):
        return qs.filter(resolved_at__isnull=(value == "open"))


class ServiceFailureList(generics.ListAPIView):
    """Failures across clients, newest first: a sales manager's own (and unassigned) clients, every client's for
    administrators and accountants. Filter by `manager`, `client`, `status` (open, resolved), `kind`,
    `updated_since`."""

    permission_classes = [ReadStaffWriteSalesAdmin]
    serializer_class = ServiceFailureSerializer
    filterset_class = FailureFilter
    queryset = ServiceFailure.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return failures.failure_list(user=self.request.user)


class ClientServiceRecord(ServiceFailureList):
    """One client's service record (open and resolved failures), newest first."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        client = get_object_or_404(Client, pk=self.kwargs["pk"])
        if not failures.can_read_client_record(self.request.user, client):
            raise PermissionDenied(_("You may see the service record only of your own clients."))
        return failures.failure_list(user=self.request.user, client_id=client.pk)


class FailureResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="What was done about the failure.")


class FailureResolve(APIView):
    """POST service-failures/<id>/resolve/ {"note"}: the client's manager (or an administrator) resolves or
    acknowledges a failure; it stays in the record."""

    permission_classes = [roles(SM, ADM)]

    @extend_schema(request=FailureResolveSerializer, responses=ServiceFailureSerializer)
    def post(self, request, pk):
        failure = get_object_or_404(ServiceFailure, pk=pk)
        data = FailureResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        failure = failures.failure_resolve(failure=failure, by=request.user, note=data.validated_data["note"])
        return Response(ServiceFailureSerializer(failure).data)


class KeyClientRuleSerializer(serializers.ModelSerializer):
    basis = choice_field(KeyClientRule.Basis.choices, "KeyClientBasisEnum")
    min_tier_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0)
    top_n = serializers.IntegerField(min_value=0, max_value=1_000_000)
    top_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0)
    key_clients = serializers.SerializerMethodField()

    class Meta:
        model = KeyClientRule
        fields = ["basis", "min_tier_percent", "top_n", "top_percent", "key_clients", "updated_at"]
        read_only_fields = ["key_clients", "updated_at"]

    def get_key_clients(self, obj) -> int:
        return Client.objects.filter(pk__in=key_clients.key_client_ids(obj)).count()


class KeyClientRuleView(APIView):
    """GET the key-client rule (with how many clients it chooses now); PUT sets it. Administrators only."""

    permission_classes = [AdministratorOnly]

    @extend_schema(responses=KeyClientRuleSerializer)
    def get(self, request):
        return Response(KeyClientRuleSerializer(key_clients.key_client_rule()).data)

    @extend_schema(request=KeyClientRuleSerializer, responses=KeyClientRuleSerializer)
    def put(self, request):
        data = KeyClientRuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: data.validated_data[k] for k in ("basis", "min_tier_percent", "top_n", "top_percent")}
        rule = key_clients.key_client_rule_update(by=request.user, **fields)
        return Response(KeyClientRuleSerializer(rule).data)


class KeyClientFlagSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.filter(merged_into__isnull=True))
    flagged = serializers.BooleanField()


class KeyClientFlagView(APIView):
    """POST {"client", "flagged"}: mark or unmark a key client (the manual-flag basis). Administrators only."""

    permission_classes = [AdministratorOnly]

    @extend_schema(request=KeyClientFlagSerializer, responses=KeyClientFlagSerializer)
    def post(self, request):
        data = KeyClientFlagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client, flagged = data.validated_data["client"], data.validated_data["flagged"]
        key_clients.key_client_flag_set(client=client, flagged=flagged, by=request.user)
        return Response({"client": client.pk, "flagged": flagged})

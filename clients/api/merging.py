"""API for merging two records of one client (administrators) and a client's dated manager history."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import since_filterset
from crm.api.permissions import IsAdministrator

from .. import selectors, services
from ..models import Client, ManagerAssignment
from .common import StaffWrite
from .records import ClientSerializer


class MergeSerializer(serializers.Serializer):
    loser = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(),
        help_text=gettext_lazy("The duplicate: it is folded into this client and stays as a tombstone."),
    )


class ClientMergeView(APIView):
    """Fold the duplicate `loser` into this client: everything attached moves (the ledger is read through the
    survivor), consents combine with an opt-out winning, and the loser answers as a tombstone with
    `merged_into`. Webhook subscribers get `client.merged`. Administrators only."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=MergeSerializer, responses=ClientSerializer)
    def post(self, request, pk: int):
        survivor = get_object_or_404(Client, pk=pk)
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.client_merge(survivor=survivor, loser=serializer.validated_data["loser"], by=request.user)
        return Response(ClientSerializer(selectors.client_get(pk=survivor.pk)).data)


class ManagerAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ManagerAssignment
        fields = ["id", "manager", "previous_manager", "assigned_at", "assigned_by", "reason"]


class ClientManagerHistory(generics.ListAPIView):
    """Who managed this client and since when, newest first."""

    permission_classes = [StaffWrite]
    serializer_class = ManagerAssignmentSerializer
    queryset = ManagerAssignment.objects.none()  # for the schema
    filterset_class = since_filterset(ManagerAssignment, "assigned_at")  # assignments never change

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        client = get_object_or_404(Client, pk=self.kwargs["pk"])
        return ManagerAssignment.objects.filter(client=client).order_by("-assigned_at", "-id")

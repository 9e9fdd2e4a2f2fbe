"""A client's personal data for administrators: the JSON export (GET) and the erasure (POST). Both are
audited by the service; sales managers and accountants get 403."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.permissions import IsAdministrator

from ..models import Client
from ..services import personal_data


class ErasureInput(serializers.Serializer):
    confirm = serializers.IntegerField(help_text=gettext_lazy("The client's id again, so an erasure is never a slip."))


class ErasureOutput(serializers.Serializer):
    client_id = serializers.IntegerField()
    erased_at = serializers.DateTimeField(source="at")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=gettext_lazy("Rows changed per table."))


class ClientPersonalData(APIView):
    """Everything held about the person (the client and every client merged into it), history included."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        client = get_object_or_404(Client, pk=pk)
        return Response(personal_data.personal_data_export(client=client, by=request.user))


class ClientPersonalDataErase(APIView):
    """Anonymise the person everywhere; the ledger and issued invoices keep what the law requires."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=ErasureInput, responses={201: ErasureOutput})
    def post(self, request, pk: int):
        client = get_object_or_404(Client, pk=pk)
        data = ErasureInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["confirm"] != client.pk:
            raise serializers.ValidationError({"confirm": ["Type the client's id to confirm the erasure."]})
        audit = personal_data.client_personal_data_erase(client=client, by=request.user)
        return Response(ErasureOutput(audit).data, status=status.HTTP_201_CREATED)

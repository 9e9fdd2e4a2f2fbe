"""REST API for the triage of anonymous complaints (/api/v1/complaints/client-matches/ and the confirm and
reject actions): complaints from the public form and inbound email whose details match a client wait here
until staff confirm or reject the match. Handlers only, as triage."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from crm.api.filters import since_filterset

from . import selectors, services
from .api import ComplaintSerializer, Handle, choice
from .models import Complaint

SuggestedClient = inline_serializer(
    "SuggestedClient",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "email": serializers.CharField(),
        "phone": serializers.CharField(),
        "manager": serializers.IntegerField(allow_null=True),
    },
)


class ClientMatchSerializer(serializers.ModelSerializer):
    """An anonymous complaint waiting in triage, with the contact details as typed and the suggested client."""

    kind = choice(Complaint.Kind.choices, read_only=True)
    channel = choice(Complaint.Channel.choices, read_only=True)
    suggested_client = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "kind",
            "channel",
            "subject",
            "text",
            "contact_name",
            "contact_email",
            "contact_phone",
            "priority",
            "created_at",
            "suggested_client",
        ]
        read_only_fields = fields

    @extend_schema_field(SuggestedClient)
    def get_suggested_client(self, complaint) -> dict | None:
        c = complaint.suggested_client
        if c is None:
            return None
        return {"id": c.pk, "name": c.name, "email": c.email, "phone": c.phone, "manager": c.manager_id}


class ClientMatchQueue(generics.ListAPIView):
    """Anonymous complaints (web form, inbound email) whose contact details match a client, waiting for staff
    to confirm the match (then they are attached and re-prioritised) or reject it. Oldest first."""

    permission_classes = [Handle]
    serializer_class = ClientMatchSerializer
    filterset_class = since_filterset(Complaint, "updated_at")

    def get_queryset(self):
        return selectors.client_match_queue()


class MatchDecisionSerializer(serializers.Serializer):
    client = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Confirm only: another client than the suggested one (their id).")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_client(self, value):
        client = Client.objects.filter(pk=value).first()
        if client is None:
            raise serializers.ValidationError(gettext("No client with id %(value)s.") % {"value": value})
        return client


class ClientMatchDecision(APIView):
    """Confirm (attach the complaint to the suggested client, or to `client`; priority and assignee are
    evaluated again) or reject the suggested client of an anonymous complaint."""

    permission_classes = [Handle]
    action: str = "confirm"

    @extend_schema(request=MatchDecisionSerializer, responses=ComplaintSerializer)
    def post(self, request, pk: int):
        complaint = get_object_or_404(Complaint, pk=pk)
        data = MatchDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if self.action == "confirm":
            services.complaint_match_confirm(complaint=complaint, by=request.user, **data.validated_data)
        else:
            services.complaint_match_reject(complaint=complaint, by=request.user, note=data.validated_data["note"])
        return Response(ComplaintSerializer(selectors.complaint_list().get(pk=complaint.pk)).data)

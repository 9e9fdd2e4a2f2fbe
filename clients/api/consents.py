"""Clients API for consent: per channel and purpose, with when and how each answer was given, its history,
and the explicit record of an answer with its evidence (the only way an opt-in is recorded after the first
contact, and the only way an opt-out is reversed)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Channel, ChannelConsent, Client
from .common import StaffWrite, choice_field


def _dt(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


class ConsentWriteSerializer(serializers.Serializer):
    channel = choice_field(Channel.choices, "ClientChannelEnum")
    purpose = choice_field(ChannelConsent.Purpose.choices, "ConsentPurposeEnum")
    status = choice_field(ChannelConsent.Status.choices, "ConsentStatusEnum")
    source = serializers.CharField(
        max_length=200,
        help_text=gettext_lazy("The evidence: 'signed form', 'phone call note 12 May', 'email of 3 June' ..."),
    )
    given_at = serializers.DateTimeField(
        required=False, help_text=gettext_lazy("When the client said so (default: now).")
    )


ConsentState = inline_serializer(
    "ClientConsentState",
    {
        "channel": serializers.CharField(),
        "purpose": serializers.CharField(),
        "status": serializers.CharField(allow_null=True, help_text=gettext_lazy("null: not asked.")),
        "allowed": serializers.BooleanField(
            help_text=gettext_lazy("Whether a message of this purpose may use this channel.")
        ),
        "given_at": serializers.DateTimeField(allow_null=True),
        "source": serializers.CharField(allow_null=True),
        "recorded_by": serializers.IntegerField(allow_null=True),
    },
    many=True,
)
ConsentChange = inline_serializer(
    "ClientConsentChange",
    {
        "channel": serializers.CharField(),
        "purpose": serializers.CharField(),
        "status": serializers.CharField(),
        "given_at": serializers.DateTimeField(),
        "source": serializers.CharField(),
        "recorded_by": serializers.IntegerField(allow_null=True),
        "recorded_at": serializers.DateTimeField(),
    },
    many=True,
)
ConsentsResponse = inline_serializer("ClientConsents", {"consents": ConsentState, "history": ConsentChange})


def consents_body(client: Client) -> dict:
    client = Client.objects.prefetch_related("consents").get(pk=client.pk)
    state = []
    for row in selectors.consent_overview(client=client):
        consent = row["consent"]
        state.append(
            {
                "channel": row["channel"],
                "purpose": row["purpose"],
                "status": consent.status if consent else None,
                "allowed": row["allowed"],
                "given_at": _dt(consent.given_at) if consent else None,
                "source": consent.source if consent else None,
                "recorded_by": consent.recorded_by_id if consent else None,
            }
        )
    history = [
        {
            "channel": rec.channel,
            "purpose": rec.purpose,
            "status": rec.status,
            "given_at": _dt(rec.given_at),
            "source": rec.source,
            "recorded_by": rec.recorded_by_id,
            "recorded_at": _dt(rec.history_date),
        }
        for rec in selectors.consent_history(client_id=client.pk)
    ]
    return {"consents": state, "history": history}


class ClientConsents(APIView):
    """GET: the client's consent per channel and purpose (status null: not asked; `allowed`: whether a
    message of that purpose may go), with when and how each was given and every change. POST records what
    the client said, with the evidence in `source`: an opt-out always; an opt-in reverses an earlier opt-out
    (edits and the ERP upsert never do). Sales managers for their own and unassigned clients, administrators
    for any."""

    permission_classes = [StaffWrite]

    def client(self) -> Client:
        return get_object_or_404(Client, pk=self.kwargs["pk"])

    @extend_schema(responses=ConsentsResponse)
    def get(self, request, pk):
        return Response(consents_body(self.client()))

    @extend_schema(request=ConsentWriteSerializer, responses=ConsentsResponse)
    def post(self, request, pk):
        client = self.client()
        serializer = ConsentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.consent_set(client=client, by=request.user, at=data.pop("given_at", None), **data)
        return Response(consents_body(client))

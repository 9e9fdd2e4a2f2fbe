"""/api/v1/client-surveys/: the public answer endpoint (the token in the link is the key, no login) and the staff
list of surveys (administrators: all; sales managers: their own clients'; accountants: none)."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from crm.api.filters import IdFilter, SyncFilterSet
from crm.api.pagination import CursorPagination
from crm.api.permissions import roles
from crm.roles import Role

from . import registry, selectors, services
from .models import Survey


class SurveyAnswerThrottle(AnonRateThrottle):
    scope = "anon"


class ClientSurveyAnswerSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    recommendation = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


NOT_FOUND = OpenApiResponse(description="The link is not valid")


class SurveyAnswerView(APIView):
    """Public: GET says what the survey is about and whether it was answered; POST answers it once."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SurveyAnswerThrottle]

    @extend_schema(
        responses={
            200: inline_serializer(
                "ClientSurveyInfo",
                {
                    "kind": serializers.CharField(),
                    "question": serializers.CharField(),
                    "occurred_at": serializers.DateTimeField(),
                    "answered": serializers.BooleanField(),
                },
            ),
            404: NOT_FOUND,
        }
    )
    def get(self, request, token: str):
        survey = selectors.survey_get(token=token)
        if survey is None:
            return Response({"detail": _("This survey link is not valid.")}, status=404)
        kind = registry.kind_get(survey.kind)
        return Response(
            {
                "kind": survey.kind,
                "question": str(kind.question) if kind else "",
                "occurred_at": serializers.DateTimeField().to_representation(survey.occurred_at),
                "answered": survey.status == Survey.Status.ANSWERED,
            }
        )

    @extend_schema(
        request=ClientSurveyAnswerSerializer,
        responses={
            201: ClientSurveyAnswerSerializer,
            400: OpenApiResponse(description="Field errors"),
            404: NOT_FOUND,
            409: OpenApiResponse(description="Already answered"),
        },
    )
    def post(self, request, token: str):
        if selectors.survey_get(token=token) is None:
            return Response({"detail": _("This survey link is not valid.")}, status=404)
        data = ClientSurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.survey_answer(token=token, **data.validated_data)
        return Response(
            {"satisfaction": survey.satisfaction, "recommendation": survey.recommendation, "comment": survey.comment},
            status=201,
        )


class ClientSurveySerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    manager = serializers.CharField(source="manager.username", read_only=True, default=None)
    segment = serializers.CharField(source="segment.name", read_only=True, default=None)
    status = serializers.CharField(read_only=True, help_text="sent, skipped or answered")

    class Meta:
        model = Survey
        fields = [
            "id",
            "kind",
            "object_id",
            "client",
            "client_name",
            "manager",
            "segment",
            "occurred_at",
            "status",
            "skip_reason",
            "channel",
            "sent_at",
            "satisfaction",
            "recommendation",
            "comment",
            "answered_at",
            "is_low",
            "follow_up_task",
            "updated_at",
        ]


class ClientSurveyFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=Survey.Status.choices)
    kind = django_filters.CharFilter()
    client = IdFilter(field_name="client_id")
    low = django_filters.BooleanFilter(field_name="is_low")

    class Meta:
        model = Survey
        fields = ["status", "kind", "client", "low", "updated_since"]


class SurveyList(generics.ListAPIView):
    """Surveys sent (or skipped, with the reason) after purchases and consultations, newest first. Cursor
    paging; filters: status, kind, client, low, updated_since. Administrators: all; sales managers: their
    own clients'."""

    serializer_class = ClientSurveySerializer
    permission_classes = [roles(Role.ADMINISTRATOR, Role.SALES_MANAGER)]
    pagination_class = CursorPagination
    filterset_class = ClientSurveyFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    queryset = Survey.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.survey_list(user=self.request.user)

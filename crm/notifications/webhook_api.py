"""API for administrators: webhook subscriptions (with secret rotation), the events sent to them with each
attempt's answer, and re-sending a failed event. The rules are in webhooks.py."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import UtcDateTimeFilter, since_filterset
from crm.api.permissions import IsAdministrator

from . import webhooks
from .models import Notification, WebhookAttempt, WebhookEvent, WebhookSubscription


class SecretInfoSerializer(serializers.Serializer):
    hint = serializers.CharField(help_text=gettext_lazy("The secret's first characters."))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


class SubscriptionSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=webhooks.EVENT_TYPES),
        required=False,
        help_text=gettext_lazy("Empty: every type."),
    )
    secrets = serializers.SerializerMethodField()

    class Meta:
        model = WebhookSubscription
        fields = [
            "id", "name", "url", "event_types", "is_active", "paused_reason", "secrets", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["paused_reason", "created_at", "updated_at"]

    @extend_schema_field(SecretInfoSerializer(many=True))
    def get_secrets(self, obj) -> list[dict]:
        return [
            {"hint": e["secret"][:10] + "…", "created_at": e["created_at"], "expires_at": e.get("expires_at")}
            for e in obj.secrets
        ]


class NewSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text=gettext_lazy("Shown once: configure the receiver with it."))


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Shown once: configure the receiver with it.")
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class SubscriptionList(generics.ListCreateAPIView):
    """Webhook subscriptions. POST creates one with a new signing secret, shown in that answer only."""

    permission_classes = [IsAdministrator]
    serializer_class = SubscriptionSerializer
    queryset = WebhookSubscription.objects.order_by("-id")
    filterset_class = since_filterset(WebhookSubscription, "updated_at")

    @extend_schema(responses={201: SubscriptionCreatedSerializer})
    def post(self, request):
        serializer = SubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription = webhooks.subscription_create(
            name=data["name"], url=data["url"], event_types=data.get("event_types", []), by=request.user
        )
        if data.get("is_active") is False:
            subscription = webhooks.subscription_update(subscription=subscription, is_active=False)
        body = SubscriptionSerializer(subscription).data
        body["secret"] = subscription.secrets[0]["secret"]
        return Response(body, status=status.HTTP_201_CREATED)


class SubscriptionDetail(generics.RetrieveUpdateDestroyAPIView):
    """One subscription: change its URL, event types or name; `is_active: false` pauses it, true resumes it."""

    permission_classes = [IsAdministrator]
    serializer_class = SubscriptionSerializer
    queryset = WebhookSubscription.objects.all()

    def perform_destroy(self, instance):
        instance.delete()
        webhooks.forget_subscriptions()

    def perform_update(self, serializer):
        serializer.instance = webhooks.subscription_update(
            subscription=serializer.instance, **serializer.validated_data
        )


class SubscriptionRotateSecret(APIView):
    """A new signing secret (in this answer only); the older ones keep signing for 24 hours."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=None, responses=NewSecretSerializer)
    def post(self, request, pk: int):
        subscription = generics.get_object_or_404(WebhookSubscription, pk=pk)
        return Response({"secret": webhooks.subscription_rotate_secret(subscription=subscription)})


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["id", "at", "status_code", "response_excerpt", "error", "duration_ms"]


class EventSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="notification.status")
    attempts = AttemptSerializer(many=True, read_only=True)
    next_attempt_at = serializers.DateTimeField(source="notification.next_attempt_at", allow_null=True)
    last_error = serializers.CharField(source="notification.last_error")

    class Meta:
        model = WebhookEvent
        fields = [
            "id", "event_id", "subscription", "type", "entity", "payload", "status", "next_attempt_at",
            "last_error", "created_at", "attempts",
        ]  # fmt: skip


class EventFilter(django_filters.FilterSet):
    subscription = django_filters.NumberFilter(field_name="subscription_id")
    status = django_filters.ChoiceFilter(field_name="notification__status", choices=Notification.Status.choices)
    type = django_filters.ChoiceFilter(choices=[(t, t) for t in webhooks.EVENT_TYPES])
    # An event changes as its delivery goes on: its notification row carries the moment.
    updated_since = UtcDateTimeFilter(field_name="notification__updated_at", lookup_expr="gte")

    class Meta:
        model = WebhookEvent
        fields = ["subscription", "status", "type"]


class EventList(generics.ListAPIView):
    """Events sent (or being sent) to subscribers, newest first, each with its attempts and the receiver's
    answers. Filters: subscription, status (failed ones need an administrator), type."""

    permission_classes = [IsAdministrator]
    serializer_class = EventSerializer
    filterset_class = EventFilter
    queryset = WebhookEvent.objects.select_related("notification").prefetch_related("attempts").order_by("-id")


class EventResend(APIView):
    """Send a failed event again (same event id, fresh attempts). 409 when it is not failed or the
    subscription is paused."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=None, responses=EventSerializer)
    def post(self, request, pk: int):
        event = generics.get_object_or_404(WebhookEvent, pk=pk)
        webhooks.event_resend(event=event)
        event = EventList.queryset.get(pk=pk)
        return Response(EventSerializer(event).data)


class EventTypes(APIView):
    """The event types a subscription may ask for."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses=inline_serializer("WebhookEventTypes", {"types": serializers.ListField()}))
    def get(self, request):
        return Response({"types": list(webhooks.EVENT_TYPES)})

"""API: the outbox for administrators (list, filters, status counts, retry). Company news is the clients
app's (clients/news_api.py), mounted beside it through the outbox registry."""

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import IdFilter, SyncFilterSet
from crm.api.permissions import IsAdministrator

from . import selectors, services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id", "event", "client", "user", "channel", "status", "dedup_key", "subject", "body", "context",
            "attempts", "next_attempt_at", "last_error", "provider_message_id", "news", "print_batch",
            "read_at", "created_at", "sent_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=Notification.Status.choices)
    channel = django_filters.ChoiceFilter(choices=Notification.Channel.choices)
    event = django_filters.CharFilter()
    client = IdFilter(field_name="client_id")
    news = IdFilter(field_name="news_id")

    class Meta:
        model = Notification
        fields = ["status", "channel", "event", "client", "news", "updated_since"]


class NotificationList(generics.ListAPIView):
    """The outbox, newest first. Filters: status, channel, event, client, news, updated_since."""

    permission_classes = [IsAdministrator]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.order_by("-id")


class NotificationDetail(generics.RetrieveAPIView):
    permission_classes = [IsAdministrator]
    serializer_class = NotificationSerializer
    queryset = Notification.objects.all()


class NotificationStatus(APIView):
    """How many notifications are in each status (failed ones need an administrator)."""

    permission_classes = [IsAdministrator]

    @extend_schema(
        responses=inline_serializer(
            "NotificationStatusCounts", {s: serializers.IntegerField() for s in Notification.Status.values}
        )
    )
    def get(self, request):
        return Response(selectors.notification_status_counts())


class NotificationRetry(APIView):
    """Retry a failed notification: it gets a fresh set of attempts. Anything else answers 400."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        notification = generics.get_object_or_404(Notification, pk=pk)
        notification = services.notification_retry(notification=notification, by=request.user)
        return Response(NotificationSerializer(notification).data)

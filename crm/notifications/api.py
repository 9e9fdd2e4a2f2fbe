"""API: the outbox for administrators (list, filters, status counts, retry) and company news."""

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Segment
from crm.api.filters import SyncFilterSet
from crm.api.permissions import IsAdministrator

from . import selectors, services
from .models import News, Notification
from .news import NEWS_CHANNELS


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
    client = django_filters.NumberFilter(field_name="client_id")
    news = django_filters.NumberFilter(field_name="news_id")

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


class NewsSerializer(serializers.ModelSerializer):
    segments = serializers.PrimaryKeyRelatedField(many=True, queryset=Segment.objects.all())
    channels = serializers.ListField(child=serializers.ChoiceField(choices=NEWS_CHANNELS), allow_empty=False)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = News
        fields = [
            "id", "title", "subject", "body", "segments", "channels", "scheduled_at", "status", "total",
            "processed", "percent", "created_by", "created_at", "started_at", "finished_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "total", "processed", "created_by", "created_at", "started_at", "finished_at", "updated_at",
        ]  # fmt: skip

    def validate_segments(self, value):
        if not value:
            raise serializers.ValidationError("Pick at least one segment.")
        return value

    def create(self, validated_data):
        return services.news_create(**validated_data, by=self.context["request"].user)


class NewsListCreate(generics.ListCreateAPIView):
    """Company news: list, or compose and schedule (sent now when `scheduled_at` is empty or past)."""

    permission_classes = [IsAdministrator]
    serializer_class = NewsSerializer
    queryset = News.objects.prefetch_related("segments").order_by("-id")


class NewsDetail(generics.RetrieveAPIView):
    permission_classes = [IsAdministrator]
    serializer_class = NewsSerializer
    queryset = News.objects.prefetch_related("segments")


class NewsCancel(APIView):
    """Cancel news that has not started sending (400 otherwise)."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=None, responses=NewsSerializer)
    def post(self, request, pk: int):
        news = generics.get_object_or_404(News, pk=pk)
        news = services.news_cancel(news_id=news.pk, by=request.user)
        return Response(NewsSerializer(news).data)


class NewsProgress(APIView):
    """Progress of a news item: recipients handled, percent, and its messages by delivery status."""

    permission_classes = [IsAdministrator]

    @extend_schema(
        responses=inline_serializer(
            "NewsProgress",
            {
                "id": serializers.IntegerField(),
                "status": serializers.CharField(),
                "total": serializers.IntegerField(),
                "processed": serializers.IntegerField(),
                "percent": serializers.IntegerField(),
                "deliveries": serializers.DictField(child=serializers.IntegerField()),
            },
        )
    )
    def get(self, request, pk: int):
        news = generics.get_object_or_404(News, pk=pk)
        body = {
            "id": news.pk,
            "status": news.status,
            "total": news.total,
            "processed": news.processed,
            "percent": news.percent,
            "deliveries": selectors.news_delivery_counts(news=news),
        }
        return Response(body, status=status.HTTP_200_OK)

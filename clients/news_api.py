"""API for company news (/api/v1/news/): list, compose and schedule, progress, cancel. Administrators only."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import since_filterset
from crm.api.permissions import IsAdministrator

from . import news as news_services
from . import selectors
from .models import News, Segment
from .news import NEWS_CHANNELS


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
            raise serializers.ValidationError(gettext("Pick at least one segment."))
        return value

    def create(self, validated_data):
        return news_services.news_create(**validated_data, by=self.context["request"].user)


class NewsListCreate(generics.ListCreateAPIView):
    """Company news: list, or compose and schedule (sent now when `scheduled_at` is empty or past)."""

    permission_classes = [IsAdministrator]
    serializer_class = NewsSerializer
    queryset = News.objects.prefetch_related("segments").order_by("-id")
    filterset_class = since_filterset(News, "updated_at")


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
        news = news_services.news_cancel(news_id=news.pk, by=request.user)
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

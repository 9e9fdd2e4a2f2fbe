"""Clients API for segments: every role reads them, administrators add them."""

from rest_framework import generics, serializers

from crm.api.filters import SyncFilterSet

from .. import selectors, services
from ..models import Segment
from .common import ReadAllWriteAdmin


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "name", "code", "description", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class SegmentFilter(SyncFilterSet):
    class Meta:
        model = Segment
        fields = ["is_active"]


class SegmentListCreate(generics.ListCreateAPIView):
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = SegmentSerializer
    filterset_class = SegmentFilter

    def get_queryset(self):
        return selectors.segment_list()

    def perform_create(self, serializer):
        serializer.instance = services.segment_create(**serializer.validated_data)

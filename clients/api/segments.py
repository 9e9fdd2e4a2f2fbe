"""Clients API for segments: every role reads them, administrators add them."""

from rest_framework import generics, serializers

from .. import selectors, services
from ..models import Segment
from .common import ReadAllWriteAdmin


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "name", "code", "description", "is_active"]


class SegmentListCreate(generics.ListCreateAPIView):
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = SegmentSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.segment_list()

    def perform_create(self, serializer):
        serializer.instance = services.segment_create(**serializer.validated_data)

"""API twins of the service standards page: the standard documents (publish, acknowledge, who acknowledged),
the business calendar and holidays, and the company-wide service targets. Every staff role reads and
acknowledges; administrators change them. The services are crm.standards', as behind the page."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import SyncFilterSet, UtcDateTimeFilter
from crm.api.permissions import ALL_ROLES, IsAdministrator, roles
from crm.roles import Role
from crm.standards import selectors as standard_selectors
from crm.standards import services as standard_services
from crm.standards import targets as versioned_targets
from crm.standards.calendar import current_calendar
from crm.standards.models import (
    Acknowledgement,
    Holiday,
    StandardDocument,
    StandardDocumentVersion,
    TargetVersion,
)

from .api import choice

ReadAllWriteAdmin = roles(Role.ADMINISTRATOR, read=ALL_ROLES)
User = get_user_model()


# --- documents ----------------------------------------------------------------------------------------


class VersionSerializer(serializers.ModelSerializer):
    published_by_username = serializers.CharField(
        source="published_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = StandardDocumentVersion
        fields = ["id", "number", "body", "change_note", "published_at", "published_by", "published_by_username"]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    kind = choice(StandardDocument.DocKind.choices, read_only=True)
    current_version = VersionSerializer(read_only=True, allow_null=True)
    acknowledged = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("Whether the caller acknowledged the current version.")
    )

    class Meta:
        model = StandardDocument
        fields = ["id", "kind", "title", "is_active", "current_version", "acknowledged", "created_at", "updated_at"]
        read_only_fields = fields


class DocumentCreateSerializer(serializers.Serializer):
    kind = choice(StandardDocument.DocKind.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()


class PublishSerializer(serializers.Serializer):
    body = serializers.CharField()
    change_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AcknowledgementSerializer(serializers.ModelSerializer):
    document = serializers.IntegerField(source="version.document_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Acknowledgement
        fields = ["id", "document", "version", "version_number", "user", "acknowledged_at"]
        read_only_fields = fields


def _documents_for(user):
    acked = Acknowledgement.objects.filter(user=user, version=OuterRef("current_version"))
    return (
        standard_selectors.document_list()
        .select_related("current_version__published_by")
        .annotate(acknowledged=Exists(acked))
    )


class DocumentFilter(SyncFilterSet):
    class Meta:
        model = StandardDocument
        fields = ["kind"]


class DocumentList(generics.ListCreateAPIView):
    """Active standard documents with their current version and whether the caller acknowledged it. Every
    role reads; administrators POST a new document (its first version is published at once)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["title"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StandardDocument.objects.none()
        return _documents_for(self.request.user)

    @extend_schema(request=DocumentCreateSerializer, responses={201: DocumentSerializer})
    def post(self, request, *args, **kwargs):
        data = DocumentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = standard_services.document_create(by=request.user, **data.validated_data)
        return Response(
            DocumentSerializer(_documents_for(request.user).get(pk=document.pk)).data, status=status.HTTP_201_CREATED
        )


class DocumentDetailSerializer(DocumentSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class DocumentDetail(generics.RetrieveAPIView):
    """A document with every published version, newest first."""

    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = DocumentDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StandardDocument.objects.none()
        return _documents_for(self.request.user).prefetch_related("versions__published_by")


class DocumentPublish(APIView):
    """Publish a new version: it becomes current and every staff member must acknowledge it again."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=PublishSerializer, responses={201: VersionSerializer})
    def post(self, request, pk: int):
        document = get_object_or_404(StandardDocument, pk=pk, is_active=True)
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = standard_services.document_publish(document=document, by=request.user, **data.validated_data)
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class DocumentAcknowledge(APIView):
    """The caller acknowledges the document's current version: 201 the first time, 200 when repeated."""

    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(request=None, responses={201: AcknowledgementSerializer, 200: AcknowledgementSerializer})
    def post(self, request, pk: int):
        document = get_object_or_404(StandardDocument, pk=pk, is_active=True)
        ack, created = standard_services.document_acknowledge(document=document, user=request.user)
        return Response(
            AcknowledgementSerializer(ack).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class MatrixDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    version = serializers.IntegerField(source="current_version.number")


class MatrixRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    acknowledged = serializers.ListField(
        source="cells",
        child=serializers.BooleanField(),
        help_text=gettext_lazy("One per document, in `documents` order."),
    )


class MatrixSerializer(serializers.Serializer):
    documents = MatrixDocumentSerializer(many=True)
    rows = MatrixRowSerializer(many=True)
    missing = serializers.IntegerField()


class AcknowledgementMatrix(APIView):
    """Who has acknowledged which current version (administrators), as on the standards page."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses=MatrixSerializer)
    def get(self, request):
        return Response(MatrixSerializer(standard_selectors.acknowledgement_matrix()).data)


# --- calendar and holidays ----------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A local time of day as "HH:MM" (not an RFC 3339 time: business hours carry no offset)."""


class CalendarSerializer(serializers.Serializer):
    working_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), help_text=gettext_lazy("ISO weekdays, 1 = Monday.")
    )
    day_start = ClockTimeField(format="%H:%M")
    day_end = ClockTimeField(format="%H:%M")
    time_zone = serializers.CharField(read_only=True)


def _calendar_body() -> dict:
    cal = current_calendar()
    return CalendarSerializer(
        {
            "working_weekdays": sorted(cal.weekdays),
            "day_start": cal.day_start,
            "day_end": cal.day_end,
            "time_zone": str(cal.tz),
        }
    ).data


class BusinessCalendar(APIView):
    """The working week and hours every response clock runs on. Every role reads; administrators PUT."""

    permission_classes = [ReadAllWriteAdmin]

    @extend_schema(responses=CalendarSerializer)
    def get(self, request):
        return Response(_calendar_body())

    @extend_schema(request=CalendarSerializer, responses=CalendarSerializer)
    def put(self, request):
        data = CalendarSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        standard_services.calendar_update(**data.validated_data)
        return Response(_calendar_body())


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "name"]
        read_only_fields = ["id"]
        extra_kwargs = {"date": {"validators": []}}  # "already a holiday" is the service's message


class HolidayList(generics.ListCreateAPIView):
    """Holidays (no working hours on these days). Every role reads; administrators add."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = HolidaySerializer
    queryset = Holiday.objects.all()

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        holiday = standard_services.holiday_add(day=data.validated_data["date"], name=data.validated_data["name"])
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)


class HolidayDetail(generics.RetrieveDestroyAPIView):
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = HolidaySerializer
    queryset = Holiday.objects.all()

    def destroy(self, request, *args, **kwargs):
        standard_services.holiday_remove(holiday=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- company-wide service targets ---------------------------------------------------------------------


class ServiceTargetsSerializer(serializers.Serializer):
    invoice_issue_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    key_client_max_days_without_contact = serializers.IntegerField()
    complaint_handling_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    escalation_warning_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    supervisor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "Receives escalations (a sales manager or an administrator); empty: every administrator."
        ),
    )


class ServiceTargets(APIView):
    """Company-wide service targets (invoice issuing, key-client contact, handling cost, escalation warning).
    Every role reads; administrators PUT."""

    permission_classes = [ReadAllWriteAdmin]

    @extend_schema(responses=ServiceTargetsSerializer)
    def get(self, request):
        return Response(ServiceTargetsSerializer(standard_selectors.service_targets()).data)

    @extend_schema(request=ServiceTargetsSerializer, responses=ServiceTargetsSerializer)
    def put(self, request):
        data = ServiceTargetsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        targets = standard_services.service_targets_update(**data.validated_data)
        return Response(ServiceTargetsSerializer(targets).data)


# --- versioned service targets (crm/standards/targets.py) --------------------------------------------


class TargetVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetVersion
        fields = ["id", "key", "hours", "effective_from", "note", "created_by", "created_at"]
        read_only_fields = fields


class TargetVersionInput(serializers.Serializer):
    key = serializers.CharField(max_length=120, help_text="A key from /api/v1/standards/target-quarter/.")
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    effective_on = serializers.DateField(
        required=False, allow_null=True, help_text="Empty or today: at once; a later day: from its start."
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TargetVersionFilter(SyncFilterSet):
    # versions are never changed: "changed since" is "created since"
    updated_since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = TargetVersion
        fields = ["key"]


class TargetVersionList(generics.ListCreateAPIView):
    """Versions of the service targets, newest first (cursor-paginated; filters: key, updated_since). Every
    role reads; administrators add a version, effective now or from the start of a later day."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = TargetVersionSerializer
    filterset_class = TargetVersionFilter

    def get_queryset(self):
        return TargetVersion.objects.all()

    @extend_schema(request=TargetVersionInput, responses={201: TargetVersionSerializer})
    def post(self, request, *args, **kwargs):
        data = TargetVersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = standard_services.target_version_create(by=request.user, **data.validated_data)
        return Response(TargetVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class TargetQuarterSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="In force now.")
    quarter_start = serializers.DateTimeField()
    quarter_end = serializers.DateTimeField()
    quarter_target_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    measured = serializers.IntegerField()
    met = serializers.IntegerField(allow_null=True)
    share_met = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    median_hours = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    p90_hours = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    proposal_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="A tighter target, when met with room to spare."
    )
    versions = TargetVersionSerializer(many=True)


class TargetQuarter(APIView):
    """Per service target: the hours in force, the last full quarter's figures (share met, median and 90th
    percentile of the actual working hours against the target then in force) and the proposed tighter target."""

    permission_classes = [roles(Role.ADMINISTRATOR, read=ALL_ROLES)]

    @extend_schema(responses=TargetQuarterSerializer(many=True))
    def get(self, request):
        rows = []
        for t in versioned_targets.overview():
            q = t["quarter"]
            rows.append(
                {
                    "key": t["key"],
                    "label": t["label"],
                    "hours": t["hours"],
                    "quarter_start": q["start"],
                    "quarter_end": q["end"],
                    "quarter_target_hours": q["target_hours"],
                    "measured": q["measured"],
                    "met": q.get("met"),
                    "share_met": q.get("share_met"),
                    "median_hours": q.get("median_hours"),
                    "p90_hours": q.get("p90_hours"),
                    "proposal_hours": t["proposal"],
                    "versions": t["versions"],
                }
            )
        return Response(TargetQuarterSerializer(rows, many=True).data)

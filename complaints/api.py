"""REST API for complaints (/api/v1/). Sales managers and administrators handle complaints; accountants get
what their pages show them, which is no complaint (403); every role reads the service standards; surveys are
public. Which complaint a handler may act on is the services' rule (services/access.py)."""

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, parsers, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from crm.api.filters import AppendOnlyFilterSet, SyncFilterSet
from crm.api.permissions import roles
from crm.api.throttling import AnonRateThrottle
from crm.roles import Role, has_role
from crm.standards import selectors as standard_selectors
from crm.standards.calendar import current_calendar
from purchases.models import Product, Purchase

from . import rules, selectors, services, standards
from .models import Complaint, ComplaintCategory, ComplaintComment, GoodwillGesture, ResponseTarget

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
Handle = roles(*rules.HANDLER_ROLES)
ReadAllWriteAdmin = roles(ADM, read=(SM, ACC))


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented as a string pattern rather than an enum: other apps have `kind`, `status`
    and `channel` fields with other values, and same-named enums would collide in the schema (and warn)."""
    values = [str(value) for value, _ in choices]

    @extend_schema_field(
        {"type": "string", "pattern": "^(" + "|".join(values) + ")$", "description": "One of: " + ", ".join(values)}
    )
    class PatternChoiceField(serializers.ChoiceField):
        pass

    return PatternChoiceField(choices=choices, **kwargs)


class ComplaintSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(
        source="requester_name",
        read_only=True,
        help_text=gettext_lazy("The client's name, or the name typed (no client yet)."),
    )
    client_match = choice([("", "(staff intake)"), *Complaint.ClientMatch.choices], read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True, default=None, allow_null=True)
    root_cause = serializers.ChoiceField(
        choices=Complaint.RootCause.choices,
        read_only=True,
        allow_blank=True,
        help_text=gettext_lazy("Empty until resolved."),
    )
    is_breached = serializers.BooleanField(read_only=True)
    kind = choice(Complaint.Kind.choices, read_only=True)
    channel = choice(Complaint.Channel.choices, read_only=True)
    status = choice(Complaint.Status.choices, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "kind",
            "channel",
            "client",
            "client_name",
            "client_match",
            "suggested_client",
            "purchase",
            "product",
            "category",
            "category_code",
            "severity",
            "priority",
            "status",
            "assigned_to",
            "subject",
            "text",
            "claimed_amount",
            "first_response_due",
            "resolution_due",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "paused_at",
            "paused_total",
            "first_response_breached",
            "resolution_breached",
            "is_breached",
            "resolution_note",
            "root_cause",
            "handling_cost",
            "reopen_count",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    text = serializers.CharField(error_messages={"required": "Describe the complaint: the text is required."})
    kind = choice(Complaint.Kind.choices, default=Complaint.Kind.COMPLAINT)
    channel = choice(Complaint.Channel.choices, default=Complaint.Channel.API)
    client = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Client id; empty: found by email/phone or a lead.")
    )
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    severity = serializers.ChoiceField(choices=Complaint.Severity.choices, default=Complaint.Severity.MEDIUM)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ComplaintCategory.objects.all(), required=False, allow_null=True
    )
    purchase = serializers.IntegerField(required=False, allow_null=True)
    product = serializers.IntegerField(required=False, allow_null=True)
    claimed_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    hand_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="The handler (a sales manager or administrator) the person recording it passes it to; "
        "empty: the client's manager or the category's owner.",
    )

    def validate_client(self, value):
        client = Client.objects.filter(pk=value).first()
        if client is None:
            raise serializers.ValidationError(gettext("No client with id %(value)s.") % {"value": value})
        return client

    def validate_purchase(self, value):
        if value is None:
            return None
        purchase = Purchase.objects.filter(pk=value).first()
        if purchase is None:
            raise serializers.ValidationError(gettext("No purchase with id %(value)s.") % {"value": value})
        return purchase

    def validate_product(self, value):
        if value is None:
            return None
        product = Product.objects.filter(pk=value).first()
        if product is None:
            raise serializers.ValidationError(gettext("No product with id %(value)s.") % {"value": value})
        return product


class ComplaintCreatedSerializer(serializers.ModelSerializer):
    status = choice(Complaint.Status.choices, read_only=True)

    class Meta:
        model = Complaint
        fields = ["id", "reference", "status", "priority", "first_response_due", "resolution_due", "assigned_to"]


class ComplaintFilter(SyncFilterSet):
    breached = django_filters.BooleanFilter(method="filter_breached")
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = Complaint
        fields = ["kind", "status", "severity", "assigned_to", "client", "channel"]

    def filter_breached(self, queryset, name, value):
        if value:
            return queryset.filter(first_response_breached=True) | queryset.filter(resolution_breached=True)
        return queryset.filter(first_response_breached=False, resolution_breached=False)


class HandleOrRecord(BasePermission):
    """Handlers read and record; every other staff role (accountants) may only record (POST)."""

    message = "Your role may not do this."

    def has_permission(self, request, view):
        allowed = rules.INTAKE_ROLES if request.method == "POST" else rules.HANDLER_ROLES
        return has_role(request.user, *allowed)


class ComplaintListCreate(generics.ListCreateAPIView):
    """Complaints, newest first (cursor pagination; `updated_since` for ERP sync), for handlers. POST records
    one (every staff role: whoever a client complains to; `hand_to` passes it to a handler) and answers with
    its reference, status, priority, due times and handler."""

    permission_classes = [HandleOrRecord]
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    search_fields = ["reference", "subject", "client__name"]

    def get_queryset(self):
        return selectors.complaint_list()

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintCreatedSerializer})
    def post(self, request, *args, **kwargs):
        data = ComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_create(by=request.user, **data.validated_data)
        return Response(ComplaintCreatedSerializer(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintDetail(generics.RetrieveAPIView):
    permission_classes = [Handle]
    serializer_class = ComplaintSerializer

    def get_queryset(self):
        return selectors.complaint_list()


class TransitionSerializer(serializers.Serializer):
    to_status = choice(Complaint.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    resolution_note = serializers.CharField(required=False, allow_blank=True, default="")
    root_cause = serializers.ChoiceField(
        choices=Complaint.RootCause.choices, required=False, allow_blank=True, default=""
    )


class ComplaintTransition(APIView):
    """Move a complaint along the transition table; an invalid move answers 400 naming the allowed ones."""

    permission_classes = [Handle]

    @extend_schema(request=TransitionSerializer, responses=ComplaintSerializer)
    def post(self, request, pk: int):
        complaint = get_object_or_404(Complaint, pk=pk)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_transition(complaint=complaint, by=request.user, **data.validated_data)
        return Response(ComplaintSerializer(selectors.complaint_list().get(pk=complaint.pk)).data)


class CommentSerializer(serializers.ModelSerializer):
    author_username = serializers.CharField(source="author.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ComplaintComment
        fields = ["id", "author", "author_username", "body", "is_response", "from_client", "created_at"]
        read_only_fields = ["id", "author", "author_username", "from_client", "created_at"]


class CommentFilter(AppendOnlyFilterSet):
    class Meta:
        model = ComplaintComment
        fields = []


class ComplaintComments(generics.ListCreateAPIView):
    permission_classes = [Handle]
    serializer_class = CommentSerializer
    filterset_class = CommentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ComplaintComment.objects.none()
        return ComplaintComment.objects.filter(complaint_id=self.kwargs["pk"]).select_related("author")

    def create(self, request, *args, **kwargs):
        complaint = get_object_or_404(Complaint, pk=kwargs["pk"])
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(complaint=complaint, by=request.user, **data.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class GoodwillSerializer(serializers.ModelSerializer):
    kind = choice(GoodwillGesture.GestureKind.choices)

    class Meta:
        model = GoodwillGesture
        fields = ["id", "complaint", "client", "kind", "cost", "given_at", "given_by", "note"]
        read_only_fields = ["id", "complaint", "client", "given_at", "given_by"]


class GoodwillFilter(AppendOnlyFilterSet):
    class Meta:
        model = GoodwillGesture
        fields = []


class ComplaintGoodwill(generics.ListCreateAPIView):
    permission_classes = [Handle]
    serializer_class = GoodwillSerializer
    filterset_class = GoodwillFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GoodwillGesture.objects.none()
        return GoodwillGesture.objects.filter(complaint_id=self.kwargs["pk"]).order_by("-given_at", "-id")

    def create(self, request, *args, **kwargs):
        complaint = get_object_or_404(Complaint, pk=kwargs["pk"])
        data = GoodwillSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        gesture = services.goodwill_add(complaint=complaint, by=request.user, **data.validated_data)
        return Response(GoodwillSerializer(gesture).data, status=status.HTTP_201_CREATED)


class TargetSerializer(serializers.ModelSerializer):
    kind = choice(Complaint.Kind.choices)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ComplaintCategory.objects.all(), required=False, allow_null=True, default=None
    )

    class Meta:
        model = ResponseTarget
        validators = []  # target_set upserts by (kind, severity, category)
        fields = ["id", "kind", "severity", "category", "first_response_hours", "resolution_hours", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class ServiceStandards(APIView):
    """The service standards: response targets, business calendar, holidays, company-wide targets and the
    current standard documents. Every role reads; administrators POST a response target (upsert)."""

    permission_classes = [ReadAllWriteAdmin]

    @extend_schema(
        responses=inline_serializer(
            "ServiceStandards",
            {
                "targets": TargetSerializer(many=True),
                "calendar": serializers.DictField(),
                "holidays": serializers.ListField(child=serializers.DictField()),
                "service_targets": serializers.DictField(),
                "documents": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request):
        cal = current_calendar()
        targets = standard_selectors.service_targets()
        return Response(
            {
                "targets": TargetSerializer(selectors.target_list(), many=True).data,
                "calendar": {
                    "working_weekdays": sorted(cal.weekdays),
                    "day_start": cal.day_start.strftime("%H:%M"),
                    "day_end": cal.day_end.strftime("%H:%M"),
                    "time_zone": str(cal.tz),
                },
                "holidays": [{"date": d.isoformat()} for d in sorted(cal.holidays)],
                "service_targets": {
                    "invoice_issue_hours": str(targets.invoice_issue_hours),
                    "key_client_max_days_without_contact": targets.key_client_max_days_without_contact,
                    "complaint_handling_cost": str(targets.complaint_handling_cost),
                    "escalation_warning_hours": str(targets.escalation_warning_hours),
                },
                "documents": [
                    {
                        "id": d.pk,
                        "kind": d.kind,
                        "title": d.title,
                        "version": d.current_version.number if d.current_version else None,
                    }
                    for d in standard_selectors.document_list()
                ],
            }
        )

    @extend_schema(request=TargetSerializer, responses={201: TargetSerializer})
    def post(self, request):
        data = TargetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = standards.target_set(**data.validated_data)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


class SurveyThrottle(AnonRateThrottle):
    scope = "complaints_survey"
    rate = "20/min"


class SurveyAnswerSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    recommendation = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SurveyView(APIView):
    """Public (token in the link, no login): GET says what the survey is about; POST answers it once."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SurveyThrottle]

    @extend_schema(
        responses=inline_serializer(
            "SurveyInfo", {"reference": serializers.CharField(), "answered": serializers.BooleanField()}
        )
    )
    def get(self, request, token: str):
        survey = selectors.survey_get(token=token)
        if survey is None:
            return Response({"detail": gettext("This survey link is not valid.")}, status=404)
        return Response({"reference": survey.complaint.reference, "answered": survey.answered_at is not None})

    @extend_schema(
        request=SurveyAnswerSerializer,
        responses={201: SurveyAnswerSerializer, 400: OpenApiResponse(description="Invalid or already answered")},
    )
    def post(self, request, token: str):
        if selectors.survey_get(token=token) is None:
            return Response({"detail": gettext("This survey link is not valid.")}, status=404)
        data = SurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.survey_answer(token=token, **data.validated_data)
        return Response(
            {"score": survey.score, "recommendation": survey.recommendation, "comment": survey.comment}, status=201
        )


class RawEmailParser(parsers.BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class InboundEmail(APIView):
    """POST a raw RFC 822 message (Content-Type message/rfc822) from the mail gateway; it becomes a complaint
    from the sender (201), or returns the one already made from the same Message-ID (200)."""

    permission_classes = [Handle]
    parser_classes = [RawEmailParser]

    @extend_schema(
        request={"message/rfc822": {"type": "string", "format": "binary"}},
        responses={201: ComplaintCreatedSerializer, 200: ComplaintCreatedSerializer},
    )
    def post(self, request):
        raw = request.data if isinstance(request.data, bytes) else b""
        complaint, created = services.complaint_create_from_email(raw=raw, by=request.user)
        return Response(ComplaintCreatedSerializer(complaint).data, status=201 if created else 200)

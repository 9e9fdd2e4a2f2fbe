"""API: the outbox for administrators (list, filters, status counts, retry), print batches (close, the
letters PDF and mailing list), message templates (administrators; with a preview) and each staff member's
own inbox. Company news is the clients app's
(clients/news_api.py), mounted beside it through the outbox registry."""

import django_filters
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm import exports as crm_exports
from crm.api.filters import IdFilter, SyncFilterSet
from crm.api.permissions import ALL_ROLES, IsAdministrator, roles

from . import exports, selectors, services
from .models import MessageTemplate, Notification, PrintBatch


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


# --- message templates (administrators) ------------------------------------------------------------------


class MessageTemplateSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(
        choices=Notification.Channel.choices,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Blank: every channel."),
    )
    subject = serializers.CharField(max_length=200, allow_blank=True, default="")
    updated_by_username = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = MessageTemplate
        fields = [
            "id", "event", "channel", "subject", "body", "is_active", "updated_by", "updated_by_username",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "updated_by", "updated_by_username", "updated_at"]
        validators = []  # one template per event and channel: the service's rule and message


class MessageTemplateFilter(SyncFilterSet):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "is_active"]


class MessageTemplateList(generics.ListCreateAPIView):
    """Subjects and bodies (Django template syntax) per event and channel; a broken template is refused."""

    permission_classes = [IsAdministrator]
    serializer_class = MessageTemplateSerializer
    filterset_class = MessageTemplateFilter

    def get_queryset(self):
        return selectors.message_template_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.message_template_save(**serializer.validated_data, by=request.user)
        return Response(MessageTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class MessageTemplateDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [IsAdministrator]
    serializer_class = MessageTemplateSerializer

    def get_queryset(self):
        return selectors.message_template_list()

    def update(self, request, *args, **kwargs):
        template = self.get_object()
        serializer = self.get_serializer(template, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        current = {f: getattr(template, f) for f in ("event", "channel", "subject", "body", "is_active")}
        template = services.message_template_save(
            **{**current, **serializer.validated_data}, template=template, by=request.user
        )
        return Response(MessageTemplateSerializer(template).data)


class TemplatePreviewSerializer(serializers.Serializer):
    subject = serializers.CharField(allow_blank=True, default="")
    body = serializers.CharField(allow_blank=True, default="")


class MessageTemplatePreview(APIView):
    """A template being edited, rendered with sample values; nothing is saved. A template error is a 400 on
    the field that has it."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=TemplatePreviewSerializer, responses=TemplatePreviewSerializer)
    def post(self, request):
        data = TemplatePreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subject, body = services.message_template_preview(**data.validated_data)
        return Response({"subject": subject, "body": body})


# --- the staff inbox (each user their own) ---------------------------------------------------------------


class InboxItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "subject", "body", "context", "read_at", "created_at", "updated_at"]
        read_only_fields = fields


class InboxFilter(SyncFilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=gettext_lazy("Only unread (true)")
    )

    class Meta:
        model = Notification
        fields = ["event", "unread", "updated_since"]


class Inbox(generics.ListAPIView):
    """The caller's own staff notifications, newest first. Filters: unread, event, updated_since."""

    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = InboxItemSerializer
    filterset_class = InboxFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.inbox_list(user=self.request.user)


class InboxRead(APIView):
    """Mark one of the caller's own notifications read (someone else's answers 404)."""

    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(request=None, responses=InboxItemSerializer)
    def post(self, request, pk: int):
        notification = generics.get_object_or_404(selectors.inbox_list(user=request.user), pk=pk)
        notification = services.notification_mark_read(notification=notification, user=request.user)
        return Response(InboxItemSerializer(notification).data)


class InboxReadAll(APIView):
    """Mark all of the caller's notifications read; answers how many were unread."""

    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(request=None, responses=inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()}))
    def post(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})


# --- print batches (administrators) ----------------------------------------------------------------------


class PrintBatchSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=PrintBatch.Status.choices, read_only=True)
    letters = serializers.IntegerField(read_only=True, help_text=gettext_lazy("Letters in the batch."))

    class Meta:
        model = PrintBatch
        fields = ["id", "status", "letters", "created_at", "closed_at", "closed_by", "updated_at"]
        read_only_fields = fields


class PrintBatchFilter(SyncFilterSet):
    class Meta:
        model = PrintBatch
        fields = ["status", "updated_since"]


class PrintBatchList(generics.ListAPIView):
    """Letters waiting to be printed and posted together, newest batch first."""

    permission_classes = [IsAdministrator]
    serializer_class = PrintBatchSerializer
    filterset_class = PrintBatchFilter

    def get_queryset(self):
        return selectors.print_batch_list()


class PrintBatchClose(APIView):
    """Close the open batch for printing; the next letter opens a new one. A closed batch answers 400."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=None, responses=PrintBatchSerializer)
    def post(self, request, pk: int):
        batch = generics.get_object_or_404(PrintBatch, pk=pk)
        services.print_batch_close(batch=batch, by=request.user)
        return Response(PrintBatchSerializer(selectors.print_batch_list().get(pk=pk)).data)


class FileDownload(APIView):
    """A download: whatever the Accept header, the file (errors are still JSON, from the first renderer)."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class PrintBatchPdf(FileDownload):
    """The batch's letters as one PDF, as the print batches page downloads it."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        batch = generics.get_object_or_404(PrintBatch, pk=pk)
        response = HttpResponse(
            exports.print_batch_pdf(batch, selectors.print_batch_letters(batch=batch)), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="print-batch-{batch.pk}.pdf"'
        return response


class PrintBatchMailingList(FileDownload):
    """The batch's mailing list (CSV), as the print batches page downloads it."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        batch = generics.get_object_or_404(PrintBatch, pk=pk)
        return crm_exports.csv_response(
            filename=f"mailing-list-{batch.pk}",
            header=exports.MAILING_LIST_HEADER,
            rows=exports.print_batch_rows(selectors.print_batch_letters(batch=batch)),
        )

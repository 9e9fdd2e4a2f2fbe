"""REST endpoints of invoices: requests, the accountants' actions (claim, issue, send, void), payments and
refunds (idempotent by external_id: a repeat answers 200 with the first result), the PDF."""

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from crm.api.filters import AppendOnlyFilterSet, SyncFilterSet
from crm.api.permissions import ALL_ROLES, roles
from crm.roles import Role

from .. import selectors, services
from ..models import Invoice, InvoiceLine, InvoicePayment, PaymentMethod, Purchase, Refund
from ..pdf import invoice_pdf_response

SM, ACC = Role.SALES_MANAGER, Role.ACCOUNTANT
LINES = Prefetch("lines", queryset=InvoiceLine.objects.select_related("product"))
AccountantsOnly = roles(ACC)


class PaymentSerializer(serializers.ModelSerializer):
    paid_on = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Default: today."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False, allow_blank=True)
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=100,
        help_text=gettext_lazy("A repeat answers 200."),
    )

    class Meta:
        model = InvoicePayment
        fields = [
            "id", "invoice", "paid_on", "amount", "method", "reference", "external_id", "recorded_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "invoice", "recorded_by", "created_at"]
        extra_kwargs = {"reference": {"required": False}}


class RefundSerializer(serializers.ModelSerializer):
    """A refund against the invoice (POST /invoices/{id}/refunds/) or a credit note of it
    (POST /credit-notes/{id}/refunds/, which sets `credit_note`)."""

    refunded_on = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Default: today."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False, default=PaymentMethod.TRANSFER)
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=100,
        help_text=gettext_lazy("A repeat answers 200."),
    )

    class Meta:
        model = Refund
        fields = [
            "id", "invoice", "credit_note", "refunded_on", "amount", "method", "reference", "external_id",
            "recorded_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "invoice", "credit_note", "recorded_by", "created_at"]
        extra_kwargs = {"reference": {"required": False}}


class InvoiceLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "purchase_line",
            "product",
            "sku",
            "description",
            "quantity",
            "unit_price",
            "discount_amount",
            "net_amount",
            "tax_rate",
            "tax_amount",
            "gross_amount",
        ]


class InvoiceSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy(
            "gross_total - credited_total - amount_paid + amount_refunded; negative: due back to the client"
        ),
    )
    refundable = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    refund_due = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy("What is due back to the client (-balance, or 0)"),
    )
    status = serializers.CharField(
        read_only=True, help_text=gettext_lazy("requested, issued, sent, paid, partially_refunded, refunded or void")
    )
    send_state = serializers.CharField(read_only=True, help_text=gettext_lazy("'' (not sent), queued, sent or failed"))
    currency = serializers.SerializerMethodField()
    lines = InvoiceLineSerializer(many=True, read_only=True, help_text=gettext_lazy("Fixed at issue; empty before."))
    credit_notes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    def get_currency(self, obj) -> str:
        return settings.CURRENCY

    class Meta:
        model = Invoice
        fields = [
            "id",
            "client",
            "purchases",
            "status",
            "number",
            "credit_note_number",
            "requested_by",
            "requested_at",
            "due_at",
            "claimed_by",
            "issued_by",
            "issued_at",
            "sent_at",
            "send_state",
            "send_error",
            "currency",
            "list_total",
            "discount_amount",
            "net_total",
            "tax_total",
            "gross_total",
            "credited_total",
            "amount_paid",
            "amount_refunded",
            "balance",
            "refundable",
            "refund_due",
            "paid_at",
            "voided_at",
            "void_reason",
            "lines",
            "credit_notes",
            "note",
            "updated_at",
        ]


class InvoiceRequestSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    purchases = serializers.PrimaryKeyRelatedField(queryset=Purchase.objects.all(), many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True)


class InvoiceFilter(SyncFilterSet):
    class Meta:
        model = Invoice
        fields = ["client", "status", "requested_by"]


class InvoiceList(generics.ListAPIView):
    """Invoices (every role reads); POST requests one (sales managers)."""

    permission_classes = [roles(SM, read=ALL_ROLES)]
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    def get_queryset(self):
        return selectors.invoice_list().prefetch_related("purchases", LINES, "credit_notes")

    @extend_schema(request=InvoiceRequestSerializer, responses={201: InvoiceSerializer})
    def post(self, request):
        serializer = InvoiceRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = services.invoice_request(by=request.user, **serializer.validated_data)
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)


class InvoiceDetail(generics.RetrieveAPIView):
    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        return selectors.invoice_list().prefetch_related("purchases", LINES, "credit_notes")


class _InvoiceAction(APIView):
    permission_classes = [AccountantsOnly]

    def run(self, invoice, request):
        raise NotImplementedError

    @extend_schema(request=None, responses={200: InvoiceSerializer})
    def post(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        invoice = self.run(invoice, request)
        return Response(InvoiceSerializer(selectors.invoice_get(pk=invoice.pk)).data)


class InvoiceClaim(_InvoiceAction):
    """An accountant takes a request (accountants only)."""

    def run(self, invoice, request):
        return services.invoice_claim(invoice=invoice, by=request.user)


class InvoiceIssue(_InvoiceAction):
    """Issue with the next number of the year's series (accountants only); 409 when already issued."""

    def run(self, invoice, request):
        return services.invoice_issue(invoice=invoice, by=request.user)


class InvoiceSend(_InvoiceAction):
    def run(self, invoice, request):
        return services.invoice_mark_sent(invoice=invoice, by=request.user)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField()


class InvoiceVoid(_InvoiceAction):
    """Void (keeps the number; an issued invoice gets a credit note, issued at once, for what is left of it)."""

    @extend_schema(request=VoidSerializer, responses={200: InvoiceSerializer})
    def post(self, request, pk):
        return super().post(request, pk)

    def run(self, invoice, request):
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return services.invoice_void(invoice=invoice, by=request.user, **serializer.validated_data)


class _InvoiceMoney(generics.ListCreateAPIView):
    """Rows of money against an invoice (read: every role; record: accountants). A repeated external_id
    answers 200 with the row recorded the first time; over the balance (or the refundable amount) is a 400."""

    permission_classes = [roles(ACC, read=ALL_ROLES)]
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(invoice_id=self.kwargs["pk"]).order_by("id")

    def record(self, invoice, data, by):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        invoice = get_object_or_404(Invoice, pk=kwargs["pk"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = self.record(invoice, serializer.validated_data, request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(row).data, status=code)


class PaymentFilter(AppendOnlyFilterSet):
    class Meta:
        model = InvoicePayment
        fields = []


class InvoiceRefundFilter(AppendOnlyFilterSet):
    class Meta:
        model = Refund
        fields = []


class InvoicePayments(_InvoiceMoney):
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    model = InvoicePayment

    def record(self, invoice, data, by):
        return services.invoice_payment_record(
            invoice=invoice,
            amount=data["amount"],
            paid_on=data.get("paid_on"),
            method=data.get("method", ""),
            reference=data.get("reference", ""),
            external_id=data.get("external_id"),
            by=by,
        )


class InvoiceRefunds(_InvoiceMoney):
    serializer_class = RefundSerializer
    filterset_class = InvoiceRefundFilter
    model = Refund

    def record(self, invoice, data, by):
        return services.invoice_refund_record(
            invoice=invoice,
            amount=data["amount"],
            refunded_on=data.get("refunded_on"),
            method=data.get("method", PaymentMethod.TRANSFER),
            reference=data.get("reference", ""),
            external_id=data.get("external_id"),
            by=by,
        )


class InvoicePdf(APIView):
    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk):
        invoice = get_object_or_404(selectors.invoice_list(), pk=pk)
        return invoice_pdf_response(invoice)
